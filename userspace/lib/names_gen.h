/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * Do not edit: generated from uapi/netlink/vmmig.yaml by
 * scripts/names-gen.py (run by scripts/ynl-gen.sh).
 */
#ifndef VMMIG_NAMES_GEN_H
#define VMMIG_NAMES_GEN_H

#include <stdint.h>

/* The spec's name of a value or attribute; NULL if it has none. */
const char *vmmig__name_role(uint32_t v);
const char *vmmig__name_state(uint32_t v);
const char *vmmig__name_reason(uint32_t v);
const char *vmmig__name_on_limit(uint32_t v);
const char *vmmig__name_mode(uint32_t v);
const char *vmmig__name_checksum(uint32_t v);
const char *vmmig__attr_params(uint32_t v);
const char *vmmig__attr_stats(uint32_t v);
const char *vmmig__attr_ring(uint32_t v);
const char *vmmig__attr_region(uint32_t v);
const char *vmmig__attr_dirty_bitmap(uint32_t v);
const char *vmmig__attr_session(uint32_t v);
const char *vmmig__attr_host(uint32_t v);

#endif /* VMMIG_NAMES_GEN_H */
