# SPDX-License-Identifier: GPL-2.0
# Linux as L1 in VS-mode on the nested L0 firmware, inside the guest
# (busybox sh):
#   tests/e2e/run nested-linux, or
#   scripts/run-qemu --firmware nested --smp 2 tests/e2e/nested-linux.sh \
#       tests/e2e/guest-lib.sh <conf> <OUT>/naclscope_fw.ko <OUT>/exitbench
# <conf> (nested.conf) sets OFFERED (the NACL features the firmware was
# built with), KVM_MASKS (kvm.nacl_features values, one kvm.ko load each;
# "default" loads it without the parameter), KINDS and N.
# That this script runs at all means the L0 delivered L1's interrupts
# (the 9p root and job share are virtio devices behind the PLIC). The
# firmware's nested counters must show the L0 at work: L1's SBI calls,
# external interrupts and PLIC accesses, H-CSR accesses of kvm.ko, and
# kvm.ko must find the hypervisor extension and the NACL features offered;
# then KVM in L1 runs exitbench's guests as L2 on the emulated H-extension,
# once per kvm.nacl_features mask.
# shellcheck shell=sh
# shellcheck source=tests/e2e/guest-lib.sh
. /job/guest-lib.sh
# shellcheck source=/dev/null
. /job/nested.conf

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
check "kvm: NACL offers $OFFERED" sh -c "dmesg | grep -q 'SBI nested acceleration offers $OFFERED, enabled $OFFERED'"
check "/dev/kvm exists" test -c /dev/kvm
after=$(fwsum nested_hcsr_read)
check "kvm.ko's H-CSR reads trapped to the L0 ($((after - before)))" test "$after" -gt "$before"
v=$(fwsum nested_hfence)
check "kvm.ko's HFENCEs emulated by the L0 ($v)" test "$v" -gt 0
dmesg | grep 'kvm ' | sed 's/^/# /'
check "kvm.ko unloads" rmmod kvm

# L2: KVM in L1 runs exitbench's guests, entered by the L0's emulated SRET
# (or NACL sync_sret). exitbench checks its own counts exactly (guest,
# exits, KVM stats); every L2 run ends with exactly one L2 trap or one L1
# interrupt; with sync_sret enabled every L2 entry is a sync_sret call.
for m in $KVM_MASKS; do
	if [ "$m" = default ]; then
		check "kvm.ko loads (default nacl_features)" load_kvm
		enabled=$OFFERED
	else
		check "kvm.ko loads with nacl_features=$m" load_kvm nacl_features="$m"
		enabled=$((OFFERED & m))
	fi
	sret_on=$(( (enabled >> 2) & 1 ))
	[ "$m" != 0x0 ] || sret_on=0
	for k in $KINDS; do
		echo 1 > "$FW/reset"
		check "L2 $k, nacl_features $m: exitbench makes exactly $N exits on each of 2 vCPUs" \
			timeout 120 /job/exitbench --kind "$k" -n "$N" --vcpus 2
		sret=$(fwsum nested_sret) l2=$(fwsum nested_l2_exit) irq=$(fwsum nested_l1_irq)
		nacl=$(fwsum sync_sret) vi=$(fwsum nested_virt_insn) hlv=$(fwsum nested_hlv)
		echo "# $k/$m: sret=$sret l2_exit=$l2 l1_irq=$irq sync_sret=$nacl virt_insn=$vi hlv=$hlv"
		check "L2 $k/$m: every L2 run ended by one trap or interrupt ($sret = $l2 + $irq)" \
			test "$sret" -eq $((l2 + irq))
		check "L2 $k/$m: at least one L2 trap per exit ($l2 >= $((2 * N)))" test "$l2" -ge $((2 * N))
		if [ "$sret_on" = 1 ]; then
			check "L2 $k/$m: every L2 entry through sync_sret ($nacl = $sret)" test "$nacl" -eq "$sret"
		else
			check "L2 $k/$m: no sync_sret ($nacl)" test "$nacl" -eq 0
		fi
		[ "$k" != mmio-user ] ||
			check "L2 $k/$m: KVM decodes each MMIO instruction with HLVX ($hlv >= $((2 * N)))" \
				test "$hlv" -ge $((2 * N))
	done
	check "kvm.ko unloads" rmmod kvm
done
summary
