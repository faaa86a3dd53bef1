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
#include <linux/bvec.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <net/sock.h>

/* The one version test every difference below is selected by. */
#define VMMIG_KERNEL_AT_LEAST(a, b, c) \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(a, b, c))

/*
 * Is @file a KVM VM (the fd KVM_CREATE_VM returns)?
 *
 * 6.1..6.17 export file_is_kvm() to every GPL module.  Newer kernels export
 * it to KVM's own modules only, but there kvm_vm_fops.owner is set to the
 * kvm module and the anonymous inode file is named "kvm-vm".
 */
#if VMMIG_KERNEL_AT_LEAST(6, 18, 0)
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

/* Address spaces of a VM (x86: normal and SMM). */
#if VMMIG_KERNEL_AT_LEAST(6, 8, 0)
#define VMMIG_KVM_NR_AS		KVM_MAX_NR_ADDRESS_SPACES
#else
#define VMMIG_KVM_NR_AS		KVM_ADDRESS_SPACE_NUM
#endif

/*
 * Zero-copy send of whole pages on a stream socket: the stack takes its
 * own page references, so the caller may unpin once this returns; the
 * data is read when the stack transmits.  6.1 has kernel_sendpage();
 * from 6.5 sendmsg() with MSG_SPLICE_PAGES replaces it.  6.1.y defines
 * MSG_SPLICE_PAGES too but TCP ignores it there and copies: hence the
 * version test, never "#ifdef MSG_SPLICE_PAGES".
 *
 * Return: 0 when all @nr pages were queued, or a negative errno.
 */
#if VMMIG_KERNEL_AT_LEAST(6, 5, 0)
static inline int vmmig_sendpages(struct socket *sock, struct page **pages,
				  unsigned int nr, bool more)
{
	struct bio_vec bvec[16];
	struct msghdr msg = { };
	unsigned int i, n;
	int ret;

	while (nr) {
		n = min_t(unsigned int, nr, ARRAY_SIZE(bvec));
		for (i = 0; i < n; i++)
			bvec_set_page(&bvec[i], pages[i], PAGE_SIZE, 0);
		msg.msg_flags = MSG_SPLICE_PAGES | MSG_NOSIGNAL |
				(more || n < nr ? MSG_MORE : 0);
		iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bvec, n,
			      (size_t)n * PAGE_SIZE);
		while (msg_data_left(&msg)) {
			ret = sock_sendmsg(sock, &msg);
			if (ret <= 0)
				return ret ? ret : -EPIPE;
		}
		pages += n;
		nr -= n;
	}
	return 0;
}
#else
static inline int vmmig_sendpages(struct socket *sock, struct page **pages,
				  unsigned int nr, bool more)
{
	unsigned int i;
	int off, ret;

	for (i = 0; i < nr; i++) {
		for (off = 0; off < PAGE_SIZE; off += ret) {
			ret = kernel_sendpage(sock, pages[i], off,
					      PAGE_SIZE - off,
					      MSG_NOSIGNAL |
					      (more || i + 1 < nr ? MSG_MORE : 0));
			if (ret <= 0)
				return ret ? ret : -EPIPE;
		}
	}
	return 0;
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
#ifndef kmalloc_obj
#define kmalloc_obj(P, gfp)	kmalloc(sizeof(P), gfp)
#endif
#ifndef kvzalloc_obj
#define kvzalloc_obj(P, gfp)	kvzalloc(sizeof(P), gfp)
#endif

#endif /* _VMMIG_COMPAT_H */
