// SPDX-License-Identifier: GPL-2.0
/*
 * vmmig: in-kernel live and quick migration of KVM guests.
 *
 * Module entry points.  Each module parameter is defined next to its
 * variable (session.c, send.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>

#include "netlink.h"
#include "session.h"
#include "wire.h"

static int __init vmmig_init(void)
{
	int err;

	err = vmmig_sessions_init();
	if (err)
		return err;
	err = vmmig_nl_init();
	if (err)
		goto err_sessions;

	pr_info("loaded, stream format %d, max_sessions %u per network namespace\n",
		VMMIG_WIRE_VERSION, READ_ONCE(vmmig_max_sessions));
	return 0;

err_sessions:
	vmmig_sessions_exit();
	return err;
}

static void __exit vmmig_exit(void)
{
	/* Destroy sessions while their events can still be sent ... */
	vmmig_sessions_shutdown();
	/* ... then no new request can arrive, and running ones have ended. */
	vmmig_nl_exit();
	vmmig_sessions_exit();
}

module_init(vmmig_init);
module_exit(vmmig_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("In-kernel live and quick migration of KVM guests");
MODULE_AUTHOR("The vmmig authors");
MODULE_VERSION("0.1.0");
MODULE_ALIAS_GENL_FAMILY(VMMIG_GENL_NAME);
