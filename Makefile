# SPDX-License-Identifier: GPL-2.0
#
# vmmig: in-kernel live and quick migration of KVM guests.
#
#   make               build vmmig.ko for KDIR (default: the running kernel's
#                      build tree, else the newest installed Debian headers)
#   make userspace     libvmmig, vmmigctl
#   make selftests     selftest binaries
#   make install       module (extra/, depmod) + userspace, as root
#   make check         THE test command: installs what it needs, then builds,
#                      lints and tests everything (see scripts/check.sh)
#   make demo          the main job, run in the QEMU test host
#   make bench         live-migration benchmark: vmmig vs the userspace path,
#                      MSG_ZEROCOPY and QEMU, both kernels (scripts/bench.sh)
#   make deps          only install the build/test dependencies (root)
#   make qemu          Debian's QEMU 7.2 with integrations/qemu/7.2 applied
#                      (scripts/build-qemu.sh; prints the binary's path)

KVER ?= $(shell uname -r)
KDIR ?= $(firstword $(wildcard /lib/modules/$(KVER)/build) \
	$(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n1))
VMMIG_CACHE ?= /var/cache/vmmig
PREFIX ?= /usr/local
KSFT_DIR ?= $(lastword $(sort $(wildcard $(VMMIG_CACHE)/linux-source-[0-9]*.[0-9]*/tools/testing/selftests)))

export VMMIG_CACHE

all: modules

modules:
	@test -n "$(KDIR)" || { echo "no kernel build tree: install linux-headers or set KDIR"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules_install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra modules_install

userspace:
	$(MAKE) -C userspace

selftests: userspace
	$(MAKE) -C selftests KSFT_DIR=$(KSFT_DIR)

install: modules_install userspace
	$(MAKE) -C userspace install PREFIX=$(PREFIX)

deps:
	bash scripts/install-deps.sh

check:
	bash scripts/check.sh

demo:
	bash scripts/demo.sh

bench:
	bash scripts/bench.sh

qemu:
	bash scripts/build-qemu.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C userspace clean
	$(MAKE) -C selftests clean
	rm -rf build

.PHONY: all modules modules_install userspace selftests install deps check qemu \
	demo bench clean
