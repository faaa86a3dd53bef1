#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate the name tables of libvmmig and of the module from the spec.

userspace/lib/names_gen.[ch]: for every enum of the spec, the name of each
value (vmmig__name_state(VMMIG_STATE_READY) is "ready"), and for every
attribute set, the name of each attribute (vmmig__attr_params(
VMMIG_A_PARAMS_DOWNTIME_MS) is "downtime-ms"), spelled as the spec spells
them, so that the library never writes them a second time.  The constants
are the uapi header's, which YNL generates from the same spec with the same
rules (a family-and-enum or name-prefix prefix, upper case, '-' as '_').

kmod/names_gen.h: the same names of every enum's values, as the module's
static tables (vmmig_state_names[] and so on), for kmod/state.c.

usage: scripts/names-gen.py SPEC OUTDIR
writes OUTDIR/names_gen.[ch] (libvmmig) and OUTDIR/kmod_names_gen.h
"""
import os
import sys

import yaml

SPDX_C = '// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause'
SPDX_H = '/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */'
SPDX_KH = '/* SPDX-License-Identifier: GPL-2.0 */'
HEAD = '''/*
 * Do not edit: generated from uapi/netlink/vmmig.yaml by
 * scripts/names-gen.py (run by scripts/ynl-gen.sh).
 */'''


def c_name(s):
    return s.upper().replace('-', '_')


def ident(s):
    return s.replace('-', '_')


def main():
    spec_path, outdir = sys.argv[1], sys.argv[2]
    with open(spec_path) as f:
        spec = yaml.safe_load(f)
    family = spec['name']

    tables = []     # (function name, [(constant, name)])
    enums = []      # (enum name, [(constant, name)])
    for d in spec.get('definitions', []):
        if d['type'] != 'enum':
            continue
        prefix = d.get('name-prefix', f"{family}-{d['name']}-")
        entries = []
        value = 0
        for e in d['entries']:
            if isinstance(e, str):
                e = {'name': e}
            value = e.get('value', value)
            entries.append((c_name(prefix + e['name']), e['name']))
            value += 1
        tables.append((f"name_{ident(d['name'])}", entries))
        enums.append((ident(d['name']), entries))
    for aset in spec['attribute-sets']:
        prefix = aset.get('name-prefix', f"{family}-a-{aset['name']}-")
        entries = [(c_name(prefix + a['name']), a['name'])
                   for a in aset['attributes'] if a['type'] != 'unused']
        tables.append((f"attr_{ident(aset['name'])}", entries))

    h = [SPDX_H, HEAD, '#ifndef VMMIG_NAMES_GEN_H', '#define VMMIG_NAMES_GEN_H',
         '', '#include <stdint.h>', '',
         '/* The spec\'s name of a value or attribute; NULL if it has none. */']
    c = [SPDX_C, HEAD, '#include <stddef.h>', '#include <linux/vmmig.h>', '',
         '#include "names_gen.h"']
    for fn, entries in tables:
        h.append(f'const char *vmmig__{fn}(uint32_t v);')
        c += ['', f'static const char *const {fn}[] = {{']
        c += [f'\t[{const}] = "{name}",' for const, name in entries]
        c += ['};', '', f'const char *vmmig__{fn}(uint32_t v)', '{',
              f'\tif (v >= sizeof({fn}) / sizeof({fn}[0]))',
              '\t\treturn NULL;', f'\treturn {fn}[v];', '}']
    h += ['', '#endif /* VMMIG_NAMES_GEN_H */']

    with open(os.path.join(outdir, 'names_gen.h'), 'w') as f:
        f.write('\n'.join(h) + '\n')
    with open(os.path.join(outdir, 'names_gen.c'), 'w') as f:
        f.write('\n'.join(c) + '\n')

    k = [SPDX_KH, HEAD, '#ifndef _VMMIG_NAMES_GEN_H', '#define _VMMIG_NAMES_GEN_H',
         '', '#include <linux/compiler.h>', '#include <linux/vmmig.h>']
    for name, entries in enums:
        # '=' in one column, a tab stop past the longest designator
        col = (8 + max(len(const) for const, _ in entries) + 2) // 8 * 8 + 8
        k += ['', f'static const char * const vmmig_{name}_names[] __maybe_unused = {{']
        for const, n in entries:
            lhs = f'[{const}]'
            tabs = (col - (8 + len(lhs)) // 8 * 8) // 8
            k.append(f'\t{lhs}' + '\t' * tabs + f'= "{n}",')
        k.append('};')
    k += ['', '#endif /* _VMMIG_NAMES_GEN_H */']
    with open(os.path.join(outdir, 'kmod_names_gen.h'), 'w') as f:
        f.write('\n'.join(k) + '\n')


if __name__ == '__main__':
    main()
