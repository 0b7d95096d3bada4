# SPDX-License-Identifier: GPL-2.0
# tests/e2e/kvm-exits: the kernel series' own small KVM workload (riscv64).
# Used with mk/cross.mk: make -f mk/cross.mk -f tests/e2e/kvm-exits.mk SYSROOT=.. OUT=..
$(OUT)/kvm-exits: tests/e2e/kvm-exits.c
	@mkdir -p $(@D)
	$(RV_CC) $(RV_CFLAGS) -O2 -Wall -Wextra -Werror -pthread -o $@ $< $(RV_LDFLAGS)
