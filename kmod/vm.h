/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KVM VM a session works on.
 *
 * Lifetime: vmmig_vm_init() takes a reference on the VM's struct file (from
 * the VMM's fd table, in the VMM's own context); that reference keeps the
 * struct kvm alive (kvm_vm_release() drops KVM's reference only when the
 * file goes) until vmmig_vm_release().  KVM itself only mmgrab()s the VMM's
 * mm, so code that touches guest memory must mmget_not_zero() first.
 */
#ifndef _VMMIG_VM_H
#define _VMMIG_VM_H

#include <linux/types.h>

struct file;
struct kvm;
struct netlink_ext_ack;
struct nlattr;

struct vmmig_vm {
	struct file *file;
	struct kvm *kvm;
};

int vmmig_vm_init(struct vmmig_vm *vm, int fd, const struct nlattr *attr,
		  struct netlink_ext_ack *extack);
int vmmig_vm_check(const struct vmmig_vm *vm, const struct nlattr *attr,
		   struct netlink_ext_ack *extack);
void vmmig_vm_release(struct vmmig_vm *vm);
bool vmmig_vm_orphaned(const struct vmmig_vm *vm);
bool vmmig_vm_is_vmm(const struct vmmig_vm *vm);
bool vmmig_vm_has_dirty_ring(const struct vmmig_vm *vm);
long vmmig_vm_ioctl(const struct vmmig_vm *vm, unsigned int cmd,
		    unsigned long arg);

#endif /* _VMMIG_VM_H */
