// SPDX-License-Identifier: GPL-2.0
/*
 * vmmig: in-kernel live and quick migration of KVM guests.
 *
 * Module entry points, module parameters and network namespace hooks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

#include "netlink.h"
#include "session.h"
#include "wire.h"
#include "xfer.h"

module_param_named(max_sessions, vmmig_max_sessions, uint, 0644);
MODULE_PARM_DESC(max_sessions,
		 "Most migration sessions on this host at once (default 2; 0 refuses new sessions)");

module_param_named(zero_detect, vmmig_zero_detect, bool, 0644);
MODULE_PARM_DESC(zero_detect,
		 "Send all-zero pages as header-only records (default on)");

static void __net_exit vmmig_net_exit(struct net *net)
{
	vmmig_sessions_net_gone(net);
}

static struct pernet_operations vmmig_net_ops = {
	.exit = vmmig_net_exit,
};

static int __init vmmig_init(void)
{
	int err;

	err = vmmig_sessions_init();
	if (err)
		return err;
	err = register_pernet_subsys(&vmmig_net_ops);
	if (err)
		return err;
	err = vmmig_nl_init();
	if (err)
		goto err_pernet;

	pr_info("loaded, stream format %d, max_sessions %u\n",
		VMMIG_WIRE_VERSION, READ_ONCE(vmmig_max_sessions));
	return 0;

err_pernet:
	unregister_pernet_subsys(&vmmig_net_ops);
	return err;
}

static void __exit vmmig_exit(void)
{
	/* Destroy sessions while their events can still be sent ... */
	vmmig_sessions_shutdown();
	/* ... then no new request can arrive, and running ones have ended. */
	vmmig_nl_exit();
	unregister_pernet_subsys(&vmmig_net_ops);
	vmmig_sessions_wait_freed();
}

module_init(vmmig_init);
module_exit(vmmig_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("In-kernel live and quick migration of KVM guests");
MODULE_AUTHOR("The vmmig authors");
MODULE_VERSION("0.1.0");
MODULE_ALIAS_GENL_FAMILY(VMMIG_GENL_NAME);
