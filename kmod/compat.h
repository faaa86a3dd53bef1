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

/* One sendmsg() per 16 pages is already the batched form here. */
static inline bool vmmig_sock_plain_tcp(struct socket *sock)
{
	return false;
}

#define vmmig_tcp_sendpages vmmig_sendpages
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

/*
 * A TCP socket with TCP's own sendpage: no ULP (kTLS) and no sockmap,
 * which replace sk_prot.  Only such a socket may take the locked path
 * below, which calls into TCP directly.
 */
static inline bool vmmig_sock_plain_tcp(struct socket *sock)
{
	return READ_ONCE(sock->sk->sk_prot)->sendpage == tcp_sendpage;
}

/*
 * 6.1: kernel_sendpage() takes the socket lock, sizes the segment and
 * pushes for every page.  On a plain TCP socket the pages of a record go
 * under one lock hold through tcp_sendpage_locked(), flagged
 * MSG_SENDPAGE_NOTLAST on all but the last, so that only full segments are
 * pushed meanwhile (kTLS's tls_push_sg() does the same); ACKs that queued
 * in the backlog meanwhile are processed every 16 pages, as
 * tcp_sendmsg_locked() does.  A ULP installed since the channel was set
 * up (sk_prot no longer TCP's, checked under the lock) gets the generic
 * path.
 */
static inline int vmmig_tcp_sendpages(struct socket *sock, struct page **pages,
				      unsigned int nr, bool more)
{
	struct sock *sk = sock->sk;
	unsigned int i;
	int off, ret = 0, flags;

	lock_sock(sk);
	if (!vmmig_sock_plain_tcp(sock)) {
		release_sock(sk);
		return vmmig_sendpages(sock, pages, nr, more);
	}
	for (i = 0; i < nr; i++) {
		flags = MSG_NOSIGNAL;
		if (more || i + 1 < nr)
			flags |= MSG_MORE | MSG_SENDPAGE_NOTLAST;
		for (off = 0; off < PAGE_SIZE; off += ret) {
			ret = tcp_sendpage_locked(sk, pages[i], off,
						  PAGE_SIZE - off, flags);
			if (ret <= 0)
				goto out;
		}
		if (i % 16 == 15)
			sk_flush_backlog(sk);
	}
	ret = 0;
out:
	release_sock(sk);
	return ret < 0 ? ret : (i < nr ? -EPIPE : 0);
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
