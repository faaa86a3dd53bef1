// SPDX-License-Identifier: GPL-2.0
/*
 * Resolving and holding the KVM VM a session works on.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvm_host.h>
#include <linux/security.h>
#include <net/netlink.h>

#include "compat.h"
#include "vm.h"

/**
 * vmmig_vm_init() - resolve @fd in the calling task to a KVM VM and hold it.
 * @vm: filled on success.
 * @fd: the VMM's file descriptor from KVM_CREATE_VM.
 * @attr: the netlink attribute @fd came from, for error reports.
 * @extack: error report.
 *
 * Must run in the VMM's context (a netlink handler does).
 *
 * Return: 0, -EBADF if @fd is not open, -EINVAL if it is not a KVM VM, or
 * vmmig_vm_check()'s error.
 */
int vmmig_vm_init(struct vmmig_vm *vm, int fd, const struct nlattr *attr,
		  struct netlink_ext_ack *extack)
{
	struct file *file;
	int err;

	file = fget(fd);
	if (!file) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "vm-fd is not an open file descriptor");
		return -EBADF;
	}
	if (!vmmig_file_is_kvm_vm(file)) {
		fput(file);
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "vm-fd is not a KVM VM (from KVM_CREATE_VM)");
		return -EINVAL;
	}
	vm->file = file;
	vm->kvm = file->private_data;
	err = vmmig_vm_check(vm, attr, extack);
	if (err)
		vmmig_vm_release(vm);
	return err;
}

/* Is the calling task of the process that owns the VM (its mm)? */
bool vmmig_vm_is_vmm(const struct vmmig_vm *vm)
{
	return vm->kvm->mm == current->mm;
}

/**
 * vmmig_vm_check() - may the calling task have a session on @vm?
 * @vm: a held VM.
 * @attr: the vm-fd attribute, for error reports (may be NULL).
 * @extack: error report.
 *
 * KVM serves a VM only to the process that created it (its mm), whoever
 * else holds the file; so does vmmig: a session reads and writes the VM's
 * memory as that process.  Confidential VMs are refused: their memory is
 * encrypted or not mapped for the host.
 *
 * Return: 0, -EPERM (another process's VM) or -EOPNOTSUPP.
 */
int vmmig_vm_check(const struct vmmig_vm *vm, const struct nlattr *attr,
		   struct netlink_ext_ack *extack)
{
	if (!vmmig_vm_is_vmm(vm)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "vm-fd: the VM belongs to another process (only the process that created it may migrate it)");
		return -EPERM;
	}
	switch (vmmig_kvm_confidential(vm->kvm)) {
	case VMMIG_KVM_PLAIN:
		return 0;
	case VMMIG_KVM_VM_TYPE:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "vm-fd: a confidential or protected VM type (not KVM_X86_DEFAULT_VM) cannot be migrated by the host");
		break;
	case VMMIG_KVM_PRIVATE_MEM:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "vm-fd: a VM with private (guest_memfd) memory cannot be migrated by the host");
		break;
	case VMMIG_KVM_PROTECTED_STATE:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "vm-fd: a VM with protected (encrypted) vCPU state cannot be migrated by the host");
		break;
	}
	return -EOPNOTSUPP;
}

void vmmig_vm_release(struct vmmig_vm *vm)
{
	if (vm->file)
		fput(vm->file);
	vm->file = NULL;
	vm->kvm = NULL;
}

/**
 * vmmig_vm_orphaned() - has everyone but vmmig closed the VM's file?
 * @vm: a held VM.
 *
 * Every fd table slot (dup, fork, SCM_RIGHTS in flight) holds its own file
 * reference, so a count of one is vmmig's alone: the VMM let the VM go.
 */
bool vmmig_vm_orphaned(const struct vmmig_vm *vm)
{
	return file_count(vm->file) <= 1;
}

/**
 * vmmig_vm_ioctl() - issue a KVM VM ioctl as the VMM would.
 * @vm: a held VM.
 * @cmd: the ioctl.
 * @arg: its argument; a pointer must be a user address of the VMM.
 *
 * KVM serves VM ioctls only to tasks that use the VM's mm: call it from
 * the VMM's own threads or from a kthread that did kthread_use_mm().
 *
 * Return: what KVM returns.
 */
long vmmig_vm_ioctl(const struct vmmig_vm *vm, unsigned int cmd,
		    unsigned long arg)
{
	long ret;

	if (current->mm != vm->kvm->mm)
		return -EPERM;
	/* As ioctl(2) would: the LSM sees the VMM's credentials. */
	ret = security_file_ioctl(vm->file, cmd, arg);
	if (ret)
		return ret;
	return vm->file->f_op->unlocked_ioctl(vm->file, cmd, arg);
}

/* Did the VMM enable KVM_CAP_DIRTY_LOG_RING (before creating vCPUs)? */
bool vmmig_vm_has_dirty_ring(const struct vmmig_vm *vm)
{
	return READ_ONCE(vm->kvm->dirty_ring_size) != 0;
}
