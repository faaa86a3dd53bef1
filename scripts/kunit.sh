#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run vmmig's KUnit suites (kmod/*_kunit.c) under UML with kunit.py from a
# kernel source tree.  Debian's kernels are built without CONFIG_KUNIT, so
# the suites cannot be loaded there; the pure-logic files they test include
# neither KVM nor socket internals and build into UML as they are.
#
# The source tree gets a small glue directory, drivers/vmmig_kunit, whose
# kmod/ and uapi/ are symlinks into this checkout; the UML build directory
# lives in the cache so reruns only rebuild what changed.
#
# usage: scripts/kunit.sh KSRC BUILD_DIR
set -euo pipefail

ksrc=$(cd "${1:?usage: $0 KSRC BUILD_DIR}" && pwd)
build=${2:?usage: $0 KSRC BUILD_DIR}
top=$(cd "$(dirname "$0")/.." && pwd)
glue=$ksrc/drivers/vmmig_kunit

# The tree is the cache's own copy: anything that configured it in place
# would make kbuild refuse the O= build below, so clean it first.
if [ -e "$ksrc/.config" ] || [ -d "$ksrc/include/config" ]; then
	make -s -C "$ksrc" mrproper
fi

mkdir -p "$glue" "$build"
ln -sfn "$top/kmod" "$glue/kmod"
ln -sfn "$top/uapi" "$glue/uapi"

cat >"$glue/Kconfig.new" <<'EOT'
# SPDX-License-Identifier: GPL-2.0
config VMMIG_KUNIT_TEST
	tristate "KUnit tests for vmmig's pure logic" if !KUNIT_ALL_TESTS
	depends on KUNIT
	default KUNIT_ALL_TESTS
EOT
# Every *_kunit.c suite, with the file it tests (foo_kunit.c -> foo.c).
{
	echo '# SPDX-License-Identifier: GPL-2.0'
	echo 'obj-$(CONFIG_VMMIG_KUNIT_TEST) += vmmig_kunit.o'
	printf 'vmmig_kunit-y :='
	for t in "$top"/kmod/*_kunit.c; do
		b=$(basename "$t" _kunit.c)
		printf ' kmod/%s.o kmod/%s_kunit.o' "$b" "$b"
	done
	echo
	echo 'ccflags-y += -I$(srctree)/$(src)/uapi'
} >"$glue/Makefile.new"
for f in Kconfig Makefile; do
	cmp -s "$glue/$f.new" "$glue/$f" 2>/dev/null || mv "$glue/$f.new" "$glue/$f"
	rm -f "$glue/$f.new"
done

grep -q 'drivers/vmmig_kunit/Kconfig' "$ksrc/drivers/Kconfig" ||
	sed -i '$ i source "drivers/vmmig_kunit/Kconfig"' "$ksrc/drivers/Kconfig"
grep -q 'vmmig_kunit/' "$ksrc/drivers/Makefile" ||
	echo 'obj-$(CONFIG_VMMIG_KUNIT_TEST) += vmmig_kunit/' >>"$ksrc/drivers/Makefile"

cd "$ksrc"
exec /usr/bin/python3 tools/testing/kunit/kunit.py run \
	--kunitconfig="$top/kmod/.kunitconfig" \
	--build_dir="$build" --jobs="$(nproc)" --timeout=300
