// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for libvmmig.so of LIBVMMIG_0.4, to link abi_test against:
 * only its symbols and their versions (libvmmig.map here) matter, so
 * that abi_test binds to what a program built against that release binds
 * to.  It runs against today's libvmmig.so; these bodies never run.
 */
#include <stdlib.h>

void vmmig_open(void);
void vmmig_open(void)
{
	abort();
}

void vmmig_close(void);
void vmmig_close(void)
{
	abort();
}

void vmmig_errmsg(void);
void vmmig_errmsg(void)
{
	abort();
}

void vmmig_session_start(void);
void vmmig_session_start(void)
{
	abort();
}

void vmmig_session_cancel(void);
void vmmig_session_cancel(void)
{
	abort();
}

void vmmig_session_destroy(void);
void vmmig_session_destroy(void)
{
	abort();
}

void vmmig_host_get(void);
void vmmig_host_get(void)
{
	abort();
}

void vmmig_events_open(void);
void vmmig_events_open(void)
{
	abort();
}

void vmmig_event_fd(void);
void vmmig_event_fd(void)
{
	abort();
}

void vmmig_event_next(void);
void vmmig_event_next(void)
{
	abort();
}

void vmmig_state_name(void);
void vmmig_state_name(void)
{
	abort();
}

void vmmig_role_name(void);
void vmmig_role_name(void)
{
	abort();
}

void vmmig_reason_name(void);
void vmmig_reason_name(void)
{
	abort();
}

void vmmig_on_limit_name(void);
void vmmig_on_limit_name(void)
{
	abort();
}

void vmmig_reason_text(void);
void vmmig_reason_text(void)
{
	abort();
}

void vmmig_session_create(void);
void vmmig_session_create(void)
{
	abort();
}

void vmmig_session_create_file(void);
void vmmig_session_create_file(void)
{
	abort();
}

void vmmig_session_create_cfg(void);
void vmmig_session_create_cfg(void)
{
	abort();
}

void vmmig_session_switchover(void);
void vmmig_session_switchover(void)
{
	abort();
}

void vmmig_session_ring_full(void);
void vmmig_session_ring_full(void)
{
	abort();
}

void vmmig_session_dirty(void);
void vmmig_session_dirty(void)
{
	abort();
}

void vmmig_mode_name(void);
void vmmig_mode_name(void)
{
	abort();
}

void vmmig_session_get(void);
void vmmig_session_get(void)
{
	abort();
}

void vmmig_session_list(void);
void vmmig_session_list(void)
{
	abort();
}

void vmmig_session_wait(void);
void vmmig_session_wait(void)
{
	abort();
}

void vmmig_session_rings(void);
void vmmig_session_rings(void)
{
	abort();
}
