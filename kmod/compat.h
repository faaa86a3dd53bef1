/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference vmmig depends on, in one place.
 *
 * Selected by LINUX_VERSION_CODE only: never by "#ifdef FLAG", because old
 * kernels may define a flag they ignore (6.1.y defines MSG_SPLICE_PAGES but
 * TCP copies anyway).  Supported: 6.1 (Debian 12) up to current mainline.
 */
#ifndef _VMMIG_COMPAT_H
#define _VMMIG_COMPAT_H

#include <linux/version.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/kvm_host.h>
#include <linux/slab.h>

/*
 * Is @file a KVM VM (the fd KVM_CREATE_VM returns)?
 *
 * 6.1..6.17 export file_is_kvm() to every GPL module.  Newer kernels export
 * it to KVM's own modules only, but there kvm_vm_fops.owner is set to the
 * kvm module and the anonymous inode file is named "kvm-vm".
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0)
static inline bool vmmig_file_is_kvm_vm(struct file *file)
{
	const struct file_operations *fops = file->f_op;

	return fops && fops->owner &&
	       !strcmp(module_name(fops->owner), "kvm") &&
	       !strcmp(file_dentry(file)->d_name.name, "kvm-vm");
}
#else
static inline bool vmmig_file_is_kvm_vm(struct file *file)
{
	return file_is_kvm(file);
}
#endif

/*
 * Typed allocation helpers (kzalloc_obj() and family) arrived in 7.0 and
 * were backported to stable series (Debian's 6.12.117 has them), so the
 * version cannot tell: the macro itself is the feature test here, the one
 * exception to the LINUX_VERSION_CODE rule.  A macro that exists always
 * works; there is no "defined but ignored" trap.
 */
#ifndef kzalloc_obj
#define kzalloc_obj(P, gfp)	kzalloc(sizeof(P), gfp)
#endif

#endif /* _VMMIG_COMPAT_H */
