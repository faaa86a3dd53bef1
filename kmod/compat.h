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
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/tcp.h>

/* The one version test every difference below is selected by. */
#define VMMIG_KERNEL_AT_LEAST(a, b, c) \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(a, b, c))

/*
 * Is @file a KVM VM (the fd KVM_CREATE_VM returns)?
 *
 * 6.1..6.17 export file_is_kvm() to every GPL module.  Newer kernels export
 * it to KVM's own modules only.  There a VM file is an anonymous inode file
 * named "kvm-vm" whose file_operations belong to the module that called
 * kvm_init(): the vendor module (kvm_amd, kvm_intel), never "kvm" itself,
 * or none with KVM built in.  Only KVM names an anonymous file "kvm-vm",
 * and a module of those names is KVM on any sane host, so this is exact in
 * practice; an exported file_is_kvm() would be the upstream answer.
 */
#if VMMIG_KERNEL_AT_LEAST(6, 18, 0)
#include <linux/magic.h>

static inline bool vmmig_file_is_kvm_vm(struct file *file)
{
	const struct file_operations *fops = file->f_op;
	const char *owner;

	if (!fops || file_inode(file)->i_sb->s_magic != ANON_INODE_FS_MAGIC ||
	    strcmp(file_dentry(file)->d_name.name, "kvm-vm"))
		return false;
	if (!IS_MODULE(CONFIG_KVM))
		return !fops->owner;
	if (!fops->owner)
		return false;
	owner = module_name(fops->owner);
	return !strcmp(owner, "kvm_amd") || !strcmp(owner, "kvm_intel") ||
	       !strcmp(owner, "kvm");
}
#else
static inline bool vmmig_file_is_kvm_vm(struct file *file)
{
	return file_is_kvm(file);
}
#endif

/*
 * Memslot address spaces of @kvm (x86: normal and SMM).  From 6.8 a VM
 * with private memory has only one, and the second is never set up.
 */
#if VMMIG_KERNEL_AT_LEAST(6, 8, 0)
#define VMMIG_KVM_MAX_AS		KVM_MAX_NR_ADDRESS_SPACES
static inline int vmmig_kvm_nr_as(struct kvm *kvm)
{
	return kvm_arch_nr_memslot_as_ids(kvm);
}
#else
#define VMMIG_KVM_MAX_AS		KVM_ADDRESS_SPACE_NUM
static inline int vmmig_kvm_nr_as(struct kvm *kvm)
{
	return KVM_ADDRESS_SPACE_NUM;
}
#endif

/*
 * Can the host see @kvm's memory?  Not for VM types other than the default
 * (SEV, SEV-ES, SNP, TDX, software-protected), with private (guest_memfd)
 * memory, or with protected vCPU state: its memory is encrypted or not
 * mapped for the host.  Plain SEV set up on a default VM (KVM_SEV_INIT) is
 * the vendor module's private business and cannot be seen from here.
 */
enum vmmig_kvm_conf {
	VMMIG_KVM_PLAIN,
	VMMIG_KVM_VM_TYPE,
	VMMIG_KVM_PRIVATE_MEM,
	VMMIG_KVM_PROTECTED_STATE,
};

static inline enum vmmig_kvm_conf vmmig_kvm_confidential(struct kvm *kvm)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;

#if VMMIG_KERNEL_AT_LEAST(6, 8, 0)
	if (kvm->arch.vm_type != KVM_X86_DEFAULT_VM)
		return VMMIG_KVM_VM_TYPE;
	if (kvm_arch_has_private_mem(kvm))
		return VMMIG_KVM_PRIVATE_MEM;
#endif
#if VMMIG_KERNEL_AT_LEAST(6, 11, 0)
	if (kvm->arch.has_protected_state)
		return VMMIG_KVM_PROTECTED_STATE;
#endif
	/* SEV-ES set up on a default VM: its launched vCPUs say so. */
	kvm_for_each_vcpu(i, vcpu, kvm)
		if (vcpu->arch.guest_state_protected)
			return VMMIG_KVM_PROTECTED_STATE;
	return VMMIG_KVM_PLAIN;
}

/*
 * Generic netlink's pre_doit/post_doit take the split operation from 6.2;
 * 6.1 has genl_ops only.
 */
#if VMMIG_KERNEL_AT_LEAST(6, 2, 0)
#define vmmig_genl_split_ops	genl_split_ops
#else
#define vmmig_genl_split_ops	genl_ops
#endif

/*
 * Zero-copy send on a stream socket: the pages a bio_vec iterator holds
 * are queued by reference, the stack takes its own page references (the
 * caller may unpin once this returns) and reads the data when it
 * transmits.  From 6.5 sendmsg() with MSG_SPLICE_PAGES does this for a
 * whole iterator; 6.1 has kernel_sendpage(), a page at a time.  6.1.y
 * defines MSG_SPLICE_PAGES too but TCP ignores it there and copies: hence
 * the version test, never "#ifdef MSG_SPLICE_PAGES".
 *
 * vmmig_sock_splice() queues the start of @msg's iterator (ITER_BVEC,
 * every page sendpage_ok()) and advances it.  @msg's MSG_MORE says more
 * follows the iterator's end.
 *
 * Return: bytes queued (> 0), or 0 / a negative errno.
 */
#if VMMIG_KERNEL_AT_LEAST(6, 5, 0)
static inline int vmmig_sock_splice(struct socket *sock, struct msghdr *msg)
{
	msg->msg_flags |= MSG_SPLICE_PAGES;
	return sock_sendmsg(sock, msg);
}

/* One sendmsg() of the whole record holds the socket lock once already. */
static inline bool vmmig_sock_plain_tcp(struct socket *sock)
{
	return false;
}

/* As vmmig_sock_splice(), under the lock of a TCP socket (unused here). */
static inline int vmmig_tcp_splice_locked(struct sock *sk,
					  struct msghdr *msg)
{
	msg->msg_flags |= MSG_SPLICE_PAGES;
	return tcp_sendmsg_locked(sk, msg, msg_data_left(msg));
}
#else
/* The bytes of the bio_vec @iter starts in: page, offset, length. */
static inline struct bio_vec vmmig_iter_bvec(const struct iov_iter *iter)
{
	const struct bio_vec *bv = iter->bvec;
	size_t off = iter->iov_offset;

	return (struct bio_vec) {
		.bv_page = bv->bv_page,
		.bv_offset = bv->bv_offset + off,
		.bv_len = min_t(size_t, bv->bv_len - off, iov_iter_count(iter)),
	};
}

/* Flags for a piece that is not the end of what is to be sent. */
static inline int vmmig_splice_flags(struct msghdr *msg,
				     const struct bio_vec *bv)
{
	if (bv->bv_len < msg_data_left(msg) || (msg->msg_flags & MSG_MORE))
		return msg->msg_flags | MSG_MORE | MSG_SENDPAGE_NOTLAST;
	return msg->msg_flags;
}

static inline int vmmig_sock_splice(struct socket *sock, struct msghdr *msg)
{
	struct bio_vec bv = vmmig_iter_bvec(&msg->msg_iter);
	int ret;

	ret = kernel_sendpage(sock, bv.bv_page, bv.bv_offset, bv.bv_len,
			      vmmig_splice_flags(msg, &bv));
	if (ret > 0)
		iov_iter_advance(&msg->msg_iter, ret);
	return ret;
}

/*
 * A TCP socket with TCP's own sendpage: no ULP (kTLS) and no sockmap,
 * which replace sk_prot.  Only such a socket may take the locked path,
 * which calls into TCP directly.
 */
static inline bool vmmig_sock_plain_tcp(struct socket *sock)
{
	return READ_ONCE(sock->sk->sk_prot)->sendpage == tcp_sendpage;
}

/*
 * As vmmig_sock_splice(), on a plain TCP socket whose lock the caller
 * holds: kernel_sendpage() would take the lock, size the segment and push
 * for every page; under one hold, pages flagged MSG_SENDPAGE_NOTLAST push
 * only full segments (kTLS's tls_push_sg() does the same).
 */
static inline int vmmig_tcp_splice_locked(struct sock *sk,
					  struct msghdr *msg)
{
	struct bio_vec bv = vmmig_iter_bvec(&msg->msg_iter);
	int ret;

	ret = tcp_sendpage_locked(sk, bv.bv_page, bv.bv_offset, bv.bv_len,
				  vmmig_splice_flags(msg, &bv));
	if (ret > 0)
		iov_iter_advance(&msg->msg_iter, ret);
	return ret;
}
#endif

/*
 * Free what a page_frag_cache holds: page_frag_cache_drain() from 6.9,
 * by hand before.
 */
#if VMMIG_KERNEL_AT_LEAST(6, 9, 0)
static inline void vmmig_page_frag_cache_drain(struct page_frag_cache *nc)
{
	page_frag_cache_drain(nc);
}
#else
static inline void vmmig_page_frag_cache_drain(struct page_frag_cache *nc)
{
	if (nc->va)
		__page_frag_cache_drain(virt_to_head_page(nc->va),
					nc->pagecnt_bias);
	nc->va = NULL;
}
#endif

/*
 * crc32c(): up to 6.13 in libcrc32c (<linux/crc32c.h>, a module that
 * depends on the crypto API's crc32c, crc32c-intel with the CPU's crc32
 * instruction); from 6.14 in lib/crc32 (<linux/crc32.h>), with the
 * architecture's instruction built in.  Same call either way.
 */
#if VMMIG_KERNEL_AT_LEAST(6, 14, 0)
#include <linux/crc32.h>
#else
#include <linux/crc32c.h>
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
