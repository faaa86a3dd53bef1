/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "stamp" test guest, in the spirit of KVM's dirty_log_test: 32-bit
 * flat protected mode, no paging, no stack, no interrupts.  The code is
 * position independent; EBX points at this vCPU's control block
 * (struct vmm_stamp_ctl in ../vmm.h), which lives in guest memory so that
 * it migrates with it.
 *
 * Forever: iter = ctl->iter + 1, and for every page p of the working set
 * (ctl->base_gpa, ctl->npages):
 *
 *   - check that the page still holds what this guest wrote there on its
 *     previous sweep: stamp(iter - 1, p) at offset 0 and its byte-swapped
 *     copy at STAMP_TAIL, where stamp(0, p) = 0 (the VMM zero-fills the
 *     working set) and stamp(i, p) = (p | vcpu << 24) << 32 | (u32)i;
 *     on a mismatch count ctl->errors, record ctl->bad_gpa and
 *     ctl->bad_val (the first qword that differs) and OUT to
 *     STAMP_PORT_ERROR;
 *   - write stamp(iter, p) and its byte-swapped copy, count ctl->writes;
 *   - spin ctl->delay times.
 *
 * Then ctl->iter = iter and OUT to STAMP_PORT_SWEEP.  A write lost by a
 * migration (a page that went back to older content) is found by the
 * guest itself on its next sweep.
 *
 * Registers: ebx ctl, esi page address, ecx p, edi (u32)(iter - 1),
 * ebp mask of the stamp's high dword (0 on the first sweep), eax/edx
 * scratch.
 */
#include "stamp.h"

	.code32
	.text
	.globl	stamp_start
stamp_start:
sweep:
	movl	STAMP_CTL_ITER(%ebx), %edi
	movl	%edi, %eax
	orl	STAMP_CTL_ITER + 4(%ebx), %eax
	negl	%eax			/* CF = (ctl->iter != 0) */
	sbbl	%ebp, %ebp		/* ebp = iter != 0 ? ~0 : 0 */
	movl	STAMP_CTL_BASE_GPA(%ebx), %esi
	xorl	%ecx, %ecx
	cmpl	STAMP_CTL_NPAGES(%ebx), %ecx
	jae	swept

page:
	movl	%ecx, STAMP_CTL_CUR(%ebx)
	/* expected: edx:eax = stamp(iter - 1, p) */
	movl	STAMP_CTL_VCPU(%ebx), %edx
	shll	$24, %edx
	orl	%ecx, %edx
	andl	%ebp, %edx
	movl	%edi, %eax
	cmpl	%eax, (%esi)
	jne	bad_head
	cmpl	%edx, 4(%esi)
	jne	bad_head
	bswapl	%eax
	bswapl	%edx
	cmpl	%edx, STAMP_TAIL(%esi)
	jne	bad_tail
	cmpl	%eax, STAMP_TAIL + 4(%esi)
	jne	bad_tail

write:
	/* edx:eax = stamp(iter, p) */
	leal	1(%edi), %eax
	movl	STAMP_CTL_VCPU(%ebx), %edx
	shll	$24, %edx
	orl	%ecx, %edx
	movl	%eax, (%esi)
	movl	%edx, 4(%esi)
	bswapl	%eax
	bswapl	%edx
	movl	%edx, STAMP_TAIL(%esi)
	movl	%eax, STAMP_TAIL + 4(%esi)
	addl	$1, STAMP_CTL_WRITES(%ebx)
	adcl	$0, STAMP_CTL_WRITES + 4(%ebx)

	movl	STAMP_CTL_DELAY(%ebx), %eax
	testl	%eax, %eax
	jz	next
spin:
	decl	%eax
	jnz	spin

next:
	addl	$4096, %esi
	incl	%ecx
	cmpl	STAMP_CTL_NPAGES(%ebx), %ecx
	jb	page

swept:
	addl	$1, STAMP_CTL_ITER(%ebx)
	adcl	$0, STAMP_CTL_ITER + 4(%ebx)
	outb	%al, $STAMP_PORT_SWEEP
	jmp	sweep

bad_head:
	movl	(%esi), %eax
	movl	4(%esi), %edx
	jmp	bad
bad_tail:
	movl	STAMP_TAIL(%esi), %eax
	movl	STAMP_TAIL + 4(%esi), %edx
bad:
	movl	%eax, STAMP_CTL_BAD_VAL(%ebx)
	movl	%edx, STAMP_CTL_BAD_VAL + 4(%ebx)
	movl	%esi, STAMP_CTL_BAD_GPA(%ebx)
	movl	$0, STAMP_CTL_BAD_GPA + 4(%ebx)
	addl	$1, STAMP_CTL_ERRORS(%ebx)
	adcl	$0, STAMP_CTL_ERRORS + 4(%ebx)
	outb	%al, $STAMP_PORT_ERROR
	jmp	write
