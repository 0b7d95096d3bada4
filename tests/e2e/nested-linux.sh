# SPDX-License-Identifier: GPL-2.0
# Linux as L1 in VS-mode on the nested L0 firmware, inside the guest
# (busybox sh):
#   tests/e2e/run nested-linux, or
#   scripts/run-qemu --firmware nested --smp 2 tests/e2e/nested-linux.sh \
#       tests/e2e/guest-lib.sh <OUT>/naclscope_fw.ko
# That this script runs at all means the L0 delivered L1's interrupts
# (the 9p root and job share are virtio devices behind the PLIC). The
# firmware's nested counters must show the L0 at work: L1's SBI calls,
# external interrupts and PLIC accesses, H-CSR accesses of kvm.ko, and
# kvm.ko must find the hypervisor extension and NACL without features.
# shellcheck shell=sh
# shellcheck source=tests/e2e/guest-lib.sh
. /job/guest-lib.sh

FW=/sys/kernel/debug/naclscope_fw
grep -q " /sys/kernel/debug " /proc/mounts || mount -t debugfs none /sys/kernel/debug
echo "# L1: kernel $(uname -r), $(nproc) hart(s)"
check "naclscope_fw.ko loads (the firmware has the counter extension)" insmod /job/naclscope_fw.ko
# sum a counter over the harts
fwsum() { awk -v n="$1" '{ for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == n) s += kv[2] } } END { print s + 0 }' "$FW/counters"; }
sed "s/^/# /" "$FW/counters"
for c in nested_sbi_call nested_irq_ext nested_plic_access; do
	v=$(fwsum "$c")
	check "$c > 0 ($v)" test "$v" -gt 0
done
if [ "$(nproc)" -gt 1 ]; then
	v=$(fwsum nested_ipi)
	check "nested_ipi > 0 with $(nproc) harts ($v)" test "$v" -gt 0
fi
before=$(fwsum nested_hcsr_read)
dmesg -c > /dev/null
check "kvm.ko loads in VS-mode" load_kvm
check "kvm: hypervisor extension available" sh -c 'dmesg | grep -q "kvm .*: hypervisor extension available"'
check "kvm: NACL offered without features" sh -c 'dmesg | grep -q "SBI nested acceleration offers 0x0, enabled 0x0"'
check "/dev/kvm exists" test -c /dev/kvm
after=$(fwsum nested_hcsr_read)
check "kvm.ko's H-CSR reads trapped to the L0 ($((after - before)))" test "$after" -gt "$before"
v=$(fwsum nested_hfence)
check "kvm.ko's HFENCEs emulated by the L0 ($v)" test "$v" -gt 0
dmesg | grep 'kvm ' | sed 's/^/# /'
check "kvm.ko unloads" rmmod kvm
summary
