/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test guests' flat images (built from guest/*.S by the Makefile),
 * embedded in the test binaries.
 */
	.section .rodata
	.balign	16
	.globl	vmm_guest_stamp
	.globl	vmm_guest_stamp_end
vmm_guest_stamp:
	.incbin	"guest/stamp.bin"
vmm_guest_stamp_end:

	.section .note.GNU-stack, "", @progbits
