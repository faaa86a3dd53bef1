/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Session state machine: which moves are legal, and names for printing.
 * Pure logic (no KVM, no sockets) so KUnit tests it under UML.
 */
#ifndef _VMMIG_STATE_H
#define _VMMIG_STATE_H

#include <linux/types.h>
#include <linux/vmmig.h>

bool vmmig_state_valid(u32 state);
bool vmmig_state_is_final(u32 state);
int vmmig_state_check_move(u32 from, u32 to, u32 reason);
const char *vmmig_state_name(u32 state);
const char *vmmig_reason_name(u32 reason);
const char *vmmig_role_name(u32 role);

#endif /* _VMMIG_STATE_H */
