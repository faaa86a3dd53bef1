/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Migration stream format.  The records themselves come with the data path;
 * this is the version the module speaks, reported by host-get.
 */
#ifndef _VMMIG_WIRE_H
#define _VMMIG_WIRE_H

#define VMMIG_WIRE_VERSION	1

#endif /* _VMMIG_WIRE_H */
