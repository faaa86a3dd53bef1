/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stamp guest (stamp.S) as a multiboot (v1) kernel, so that real QEMU
 * runs the same workload as the test VMM (bench_qemu.py):
 *
 *   qemu-system-x86_64 ... -kernel guest/qguest.elf \
 *	-device loader,addr=0x1f0000,data=...,data-len=4 ...
 *
 * QEMU's multiboot loader enters qguest_start in 32-bit flat protected
 * mode, paging and interrupts off, on the BSP only (the firmware left the
 * APs halted).  No stack, no interrupts, no paging, as stamp.S.
 *
 * Configuration, written into guest memory by QEMU's generic loader
 * device before boot (at reset) and migrating with the guest; it lies
 * above this image (linked at 1 MiB, a few KiB), so the multiboot loader
 * does not overwrite it:
 *
 *   QG_CFG + i * 64	struct vmm_stamp_ctl of vCPU i (stamp.h: base_gpa,
 *			npages, vcpu and delay set; iter, errors, ... zero)
 *   QG_HDR + 0		u32 nr_vcpus: 1..QG_MAX_VCPUS
 *   QG_HDR + 4		u32 static_gpa: static data, page aligned
 *   QG_HDR + 8		u32 static_pages
 *   QG_HDR + 12	u32 started: written by the guest, vCPUs that got
 *			their control block (the BSP counts as one)
 *
 * The BSP zero-fills every working set (stamp.S expects them zero before
 * its first sweep; QEMU's RAM is, this only keeps the guest independent of
 * what the firmware touched), fills the static data with non-zero dwords
 * (each dword's address ^ QG_STATIC_SEED: odd, so never zero, and all
 * different), starts the APs with INIT-SIPI-SIPI through its local APIC
 * and becomes vCPU 0 of the stamp code.
 *
 * An AP starts in real mode at QG_TRAMP (SIPI vector QG_TRAMP >> 12), a
 * copy of ap_tramp made by the BSP: it loads the GDT that lives in that
 * copy, enters protected mode, takes its index from the started counter
 * with lock xadd (APs come up in any order), and runs the stamp code with
 * EBX = its control block.  APs beyond nr_vcpus (more QEMU vCPUs than
 * configured) halt for good.
 *
 * A configuration without a valid nr_vcpus halts the BSP as well: the
 * bench then sees no sweep.
 */
#include "stamp.h"

#define MB_MAGIC		0x1badb002
#define MB_FLAGS		0	/* no module alignment, no memory info */

#define QG_CFG			0x1f0000
#define QG_HDR			(QG_CFG + 0x800)
#define QG_HDR_NR_VCPUS		(QG_HDR + 0)
#define QG_HDR_STATIC_GPA	(QG_HDR + 4)
#define QG_HDR_STATIC_PAGES	(QG_HDR + 8)
#define QG_HDR_STARTED		(QG_HDR + 12)
#define QG_MAX_VCPUS		8
#define QG_STATIC_SEED		0x5eed0001

#define QG_TRAMP		0x8000	/* free low memory, 4 KiB aligned */
#define QG_CS			0x08
#define QG_DS			0x10
#define X86_CR0_PE		0x00000001

/* Local APIC (xAPIC, MMIO: paging is off). */
#define APIC_BASE		0xfee00000
#define APIC_SPIV		(APIC_BASE + 0x0f0)
#define APIC_ICR		(APIC_BASE + 0x300)
#define APIC_SPIV_ENABLE	0x100
#define APIC_ICR_BUSY		0x1000
/* All excluding self, level assert: INIT; STARTUP with the vector. */
#define APIC_ICR_INIT_OTHERS	0x000c4500
#define APIC_ICR_SIPI_OTHERS	(0x000c4600 | (QG_TRAMP >> 12))
#define QG_SPIN			1000000	/* between IPIs: KVM needs none */

/*
 * Send the IPI @icr (to all but self), wait until the APIC took it, then,
 * if @pause, spin QG_SPIN loops before the next one.  Clobbers ecx.
 */
	.macro	ipi_all_others icr, pause
	movl	\icr, APIC_ICR
1:	testl	$APIC_ICR_BUSY, APIC_ICR
	jnz	1b
	.if	\pause
	movl	$QG_SPIN, %ecx
2:	decl	%ecx
	jnz	2b
	.endif
	.endm

	.code32
	.text

	/* In the first 8 KiB of the file, 4-byte aligned. */
	.balign	4
mb_header:
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)

	.globl	qguest_start
qguest_start:
	cli
	cld

	/* The AP trampoline and the GDT in it, then our own segments. */
	movl	$ap_tramp, %esi
	movl	$QG_TRAMP, %edi
	movl	$(ap_tramp_end - ap_tramp), %ecx
	rep movsb
	lgdt	QG_TRAMP + (ap_gdtr - ap_tramp)
	ljmp	$QG_CS, $1f
1:	movl	$QG_DS, %eax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs

	movl	QG_HDR_NR_VCPUS, %edx
	testl	%edx, %edx
	jz	park
	cmpl	$QG_MAX_VCPUS, %edx
	ja	park

	/* Zero the working sets: edx vCPUs left, ebx their control block. */
	movl	$QG_CFG, %ebx
zero_ws:
	movl	STAMP_CTL_BASE_GPA(%ebx), %edi
	movl	STAMP_CTL_NPAGES(%ebx), %ecx
	shll	$10, %ecx			/* dwords */
	xorl	%eax, %eax
	rep stosl
	addl	$STAMP_CTL_SIZE, %ebx
	decl	%edx
	jnz	zero_ws

	/* Static data: every dword = its address ^ QG_STATIC_SEED. */
	movl	QG_HDR_STATIC_GPA, %edi
	movl	QG_HDR_STATIC_PAGES, %ecx
	shll	$10, %ecx
	jz	static_done
static_fill:
	movl	%edi, %eax
	xorl	$QG_STATIC_SEED, %eax
	stosl
	decl	%ecx
	jnz	static_fill
static_done:

	/* The BSP is vCPU 0; APs take 1, 2, ... */
	movl	$1, QG_HDR_STARTED
	cmpl	$1, QG_HDR_NR_VCPUS
	jbe	bsp_stamp

	/* INIT-SIPI-SIPI to all the others (they ignore a second SIPI). */
	orl	$APIC_SPIV_ENABLE, APIC_SPIV
	ipi_all_others	$APIC_ICR_INIT_OTHERS, 1
	ipi_all_others	$APIC_ICR_SIPI_OTHERS, 1
	ipi_all_others	$APIC_ICR_SIPI_OTHERS, 0

bsp_stamp:
	movl	$QG_CFG, %ebx
	jmp	stamp_start

park:
	cli
	hlt
	jmp	park

/*
 * The AP trampoline, copied to QG_TRAMP and run there: real mode first,
 * CS = QG_TRAMP >> 4, IP = 0, so everything in it is addressed by its
 * offset from ap_tramp.
 */
	.code16
	.balign	16
ap_tramp:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	ap_gdtr - ap_tramp
	movl	%cr0, %eax
	orl	$X86_CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$QG_CS, $(QG_TRAMP + (ap_pm - ap_tramp))

	.code32
ap_pm:
	movl	$QG_DS, %eax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movl	$1, %eax
	lock xaddl %eax, QG_HDR_STARTED
	cmpl	QG_HDR_NR_VCPUS, %eax
	jae	ap_park
	shll	$6, %eax			/* * STAMP_CTL_SIZE */
	leal	QG_CFG(%eax), %ebx
	ljmp	$QG_CS, $stamp_start
ap_park:
	cli
	hlt
	jmp	ap_park

	/* Flat 4 GiB code and data segments: QG_CS, QG_DS. */
	.balign	8
ap_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff
	.quad	0x00cf92000000ffff
ap_gdt_end:
ap_gdtr:
	.word	ap_gdt_end - ap_gdt - 1
	.long	QG_TRAMP + (ap_gdt - ap_tramp)
ap_tramp_end:

/* The stamp code itself, as the test VMM loads it (stamp_start: its start). */
	.balign	16
stamp_start:
	.incbin	"guest/stamp.bin"

	.section .note.GNU-stack, "", @progbits
