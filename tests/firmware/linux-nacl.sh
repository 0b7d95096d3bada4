# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Guest side of the Linux check on the NACL firmware (all four features):
#   scripts/run-qemu --firmware nacl tests/firmware/linux-nacl.sh \
#       tests/e2e/guest-lib.sh <dir>/kvm-exits
# kvm.ko must report the features, and a VM must make its exits through
# sync_sret with the exact count (kvm-exits: tests/e2e/kvm-exits.c).
# shellcheck source=tests/e2e/guest-lib.sh
. /job/guest-lib.sh

N=1000
check "kvm.ko loads" load_kvm
check "KVM uses NACL with all four features" sh -c \
	'dmesg | grep -q "using SBI nested acceleration with sync_csr, sync_hfence, sync_sret, autoswap_csr"'
/job/kvm-exits "$N" > /tmp/kvm-exits.out 2>&1
expect_eq "kvm-exits status" 0 "$?"
expect_eq "SBI exits" "$((N + 1))" "$(awk '$1 == "sbi_exits" { print $2 }' /tmp/kvm-exits.out)"
expect_eq "other exits" 0 "$(awk '$1 == "other_exits" { print $2 }' /tmp/kvm-exits.out)"
summary
