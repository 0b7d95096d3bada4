# SPDX-License-Identifier: GPL-2.0
# naclscope: see README.md. Two commands matter: `make demo` and `make test`.
# `make check` is the fast host-only loop.

SHELL       := /bin/bash
TOP         := $(CURDIR)
BUILD       ?= $(TOP)/build
HOST_CC     ?= gcc
HOST_CFLAGS ?= -O2 -g -Wall -Wextra -Werror -std=gnu11
export NACLSCOPE_CACHE

# bench: exitbench instructions per exit of each kind under -icount shift=0,
# side by side in one invocation (scripts/ab): the kernel without and with
# the series on OpenSBI without the NACL series (what the series costs), and
# the NACL harness with KVM using all features, all but autoswap, sync_csr +
# sync_hfence, and none. Figures, not tests; BENCH_N exits per kind. Then
# the fidelity tables: exitbench's NACL on/off against naclscope compare's
# verdict on the two L0 cost profiles (tests/e2e/run fidelity, N = 2000).
BENCH_N ?= 10000
.PHONY: bench
bench: deps kernel rootfs tools firmware
	@BUILD=$(BUILD) scripts/ab -n $(BENCH_N) -o $(BUILD)/bench.json \
		plain:0xf@unpatched plain:0xf nacl:0x0 nacl:0x3 nacl:0x7 nacl:0xf \
		nested:0x0 nested:0x3 nested:0x7 nested:0xf
	@$(MAKE) --no-print-directory -C tools/naclscope fidelity OUT=$(BUILD)/naclscope
	@FIDELITY_OUT=$(BUILD)/fidelity FIDELITY_N=2000 BUILD=$(BUILD) tests/e2e/run fidelity

.PHONY: all help deps check test demo kernel rootfs firmware firmware-test tools checkpatch e2e unit shellcheck clean
.DEFAULT_GOAL := help

help:
	@echo "naclscope targets:"
	@echo "  make demo    install what is missing, build everything, boot QEMU, run the main job"
	@echo "  make test    every test (check + kernel + rootfs + QEMU end-to-end); CI runs this"
	@echo "  make check   host-only tests (unit tests, script lint), under 2 minutes"
	@echo "  make checkpatch  checkpatch.pl --strict on both series (fetches the kernel source once)"
	@echo "  make bench   exitbench instructions per exit: kernel without/with the series, NACL paths (figures)"
	@echo "  make firmware-test  OpenSBI NACL series: bare-metal payload on every feature subset"
	@echo "  make deps | kernel | rootfs | firmware | e2e | clean"

all: kernel rootfs

deps:
	@scripts/deps

# ---- host-only -------------------------------------------------------------

UNIT_TESTS := $(BUILD)/host/test_stats $(BUILD)/host/test_hostfacts

$(BUILD)/host/test_stats: tests/unit/test_stats.c tools/lib/stats.c tools/lib/stats.h tools/lib/hist.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Itools/lib -o $@ tests/unit/test_stats.c tools/lib/stats.c -lcmocka -lm

$(BUILD)/host/test_hostfacts: tests/unit/test_hostfacts.c tools/lib/hostfacts.c tools/lib/hostfacts.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Itools/lib -o $@ tests/unit/test_hostfacts.c tools/lib/hostfacts.c -lcmocka

unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "[unit] $$(basename $$t)"; $$t; done
	@$(MAKE) --no-print-directory -C tools/exitbench host-test OUT=$(BUILD)/exitbench
	@$(MAKE) --no-print-directory -C tools/naclscope test OUT=$(BUILD)/naclscope

# report and compare on the host, where recordings are analysed.
.PHONY: naclscope-host
naclscope-host: deps
	@$(MAKE) --no-print-directory -C tools/naclscope host OUT=$(BUILD)/naclscope

# BPF programs loaded on the host kernel and driven with BPF_PROG_TEST_RUN (root).
bpf-test:
	@$(MAKE) --no-print-directory -C tools/naclscope bpf-test OUT=$(BUILD)/naclscope

# checkpatch.pl comes with the kernel source (fetched once into the cache),
# so it is not part of the host-only `check`; a stamp keeps a clean result
# until a patch, a series file or the checker changes.
CHECKPATCH_INPUTS := $(wildcard kernel/patches/* firmware/patches/*) tests/checkpatch scripts/fetch-kernel
$(BUILD)/checkpatch.ok: $(CHECKPATCH_INPUTS)
	@tests/checkpatch
	@mkdir -p $(@D) && touch $@

checkpatch: deps $(BUILD)/checkpatch.ok

SHELL_SCRIPTS := $(shell grep -lsE '^\#!/(usr/bin/env bash|bin/(ba)?sh)' scripts/* tests/* tests/*/* .ci/run 2>/dev/null) \
		 $(wildcard tests/e2e/*.sh tools/*/*.sh) scripts/lib.sh

shellcheck:
	@echo "[shellcheck] $(words $(SHELL_SCRIPTS)) scripts"
	@shellcheck -x -P scripts -P tests/e2e $(SHELL_SCRIPTS)

check: deps
	@$(MAKE) --no-print-directory unit bpf-test shellcheck
	@tests/contracts
	@tests/scripts/bad-input
	@echo "[check] all host-only checks passed"

# ---- the riscv64 stack -----------------------------------------------------

kernel: deps
	@scripts/build-kernel > /dev/null

rootfs: deps
	@scripts/build-rootfs > /dev/null

firmware: deps
	@scripts/build-firmware --variant plain > /dev/null
	@scripts/build-firmware --variant nacl > /dev/null
	@scripts/build-firmware --variant nested > /dev/null

# The unpatched build must not offer NACL; the patched one passes every
# check on each advertised subset (all, no autoswap, sync_csr+sync_sret,
# sync_csr+sync_hfence, none).
firmware-test: deps
	@tests/firmware/run --variant plain
	@tests/firmware/run --variant nested --trap-cost 1001 --nacl-cost 3000
	@set -e; for m in 0x7 0x4 0x3 0x0; do tests/firmware/run --variant nested --features $$m; done
	@set -e; for m in 0xf 0x7 0x5 0x3 0x0; do tests/firmware/run --features $$m; done

# riscv64 tools for the guest, cross-compiled against the guest root.
tools: deps
	@set -e; sysroot=$$(scripts/build-rootfs); \
	$(MAKE) --no-print-directory -C tools/exitbench SYSROOT=$$sysroot OUT=$(BUILD)/riscv64/exitbench; \
	$(MAKE) --no-print-directory -C tools/exitbench host-tools OUT=$(BUILD)/exitbench; \
	$(MAKE) --no-print-directory -C tools/naclscope cross SYSROOT=$$sysroot OUT=$(BUILD)/naclscope; \
	$(MAKE) --no-print-directory -f mk/cross.mk -f tests/e2e/kvm-exits.mk SYSROOT=$$sysroot OUT=$(BUILD)/riscv64; \
	$(MAKE) --no-print-directory -C tools/fwstats KDIR=$$(scripts/build-kernel) OUT=$(BUILD)/riscv64/fwstats

e2e: deps kernel rootfs tools
	@$(MAKE) --no-print-directory -C tools/naclscope fidelity OUT=$(BUILD)/naclscope
	@BUILD=$(BUILD) tests/e2e/run

test: deps
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory check && \
	$(MAKE) --no-print-directory checkpatch && \
	$(MAKE) --no-print-directory firmware-test && \
	$(MAKE) --no-print-directory kernel rootfs tools && \
	$(MAKE) --no-print-directory e2e && \
	echo "[test] all tests passed in $$(( $$(date +%s) - start ))s"

demo: deps kernel rootfs tools firmware naclscope-host
	@scripts/demo

clean:
	rm -rf $(BUILD)
