/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "stamp" test guest's interface, shared by the guest (stamp.S) and the
 * test VMM (vmm.h): control block offsets and I/O ports.
 */
#ifndef VMMIG_SELFTEST_GUEST_STAMP_H
#define VMMIG_SELFTEST_GUEST_STAMP_H

/* OUT to these ports (al: don't care). */
#define STAMP_PORT_SWEEP	0xe0	/* a sweep of the working set ended */
#define STAMP_PORT_ERROR	0xe1	/* a page did not hold its last stamp */

/* Offsets in struct vmm_stamp_ctl (64 bytes). */
#define STAMP_CTL_BASE_GPA	0
#define STAMP_CTL_NPAGES	4
#define STAMP_CTL_VCPU		8
#define STAMP_CTL_DELAY		12
#define STAMP_CTL_ITER		16
#define STAMP_CTL_ERRORS	24
#define STAMP_CTL_BAD_GPA	32
#define STAMP_CTL_BAD_VAL	40
#define STAMP_CTL_WRITES	48
#define STAMP_CTL_CUR		56
#define STAMP_CTL_SIZE		64

/* Where the second stamp of a page lives (the first one is at 0). */
#define STAMP_TAIL		4088

#endif
