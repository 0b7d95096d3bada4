# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
# Cross-compiling tools/ for the riscv64 guest with Debian 12's gcc against
# the guest root (scripts/build-rootfs), which doubles as the sysroot.
# Debian's cross gcc searches its own bookworm libc first, hence -nostdinc
# and explicit -isystem; libc.so's linker script needs --sysroot.
# Set SYSROOT=<dir printed by scripts/build-rootfs>.
RV_CROSS   ?= riscv64-linux-gnu-
RV_CC      := $(RV_CROSS)gcc
RV_GCCINC  := $(shell $(RV_CC) -print-file-name=include 2>/dev/null)
RV_CFLAGS   = -nostdinc -isystem $(RV_GCCINC) \
	      -isystem $(SYSROOT)/usr/include/riscv64-linux-gnu \
	      -isystem $(SYSROOT)/usr/include
RV_LDFLAGS  = --sysroot=$(SYSROOT) -B$(SYSROOT)/usr/lib/riscv64-linux-gnu/ \
	      -L$(SYSROOT)/usr/lib/riscv64-linux-gnu \
	      -Wl,-rpath-link,$(SYSROOT)/usr/lib/riscv64-linux-gnu
