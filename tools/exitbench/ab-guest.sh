# SPDX-License-Identifier: GPL-2.0
# One side of an A/B run, inside the guest (busybox sh); scripts/ab boots
# it once per firmware and merges the sides:
#   scripts/run-qemu ... tools/exitbench/ab-guest.sh tests/e2e/guest-lib.sh \
#       <OUT>/exitbench [<OUT>/naclscope_fw.ko] ab.conf
# ab.conf sets MASKS (kvm.nacl_features values, one kvm.ko load each),
# KINDS and N. For each mask and kind: exitbench --json (one VM, one
# vCPU), and when naclscope_fw.ko loads (NACL harness firmware), the
# firmware's counters reset before and read after the run. Results go
# to /job/ab/<mask>.<kind>.json and .fw, read back by scripts/ab.
# shellcheck shell=sh
# shellcheck source=tests/e2e/guest-lib.sh
. /job/guest-lib.sh
# shellcheck disable=SC1091
. /job/ab.conf

EB=/job/exitbench
FW=/sys/kernel/debug/naclscope_fw
R=/job/ab
mkdir -p "$R"
grep -q " /sys/kernel/debug " /proc/mounts || mount -t debugfs none /sys/kernel/debug
fw=0
if [ -f /job/naclscope_fw.ko ] && insmod /job/naclscope_fw.ko 2> /dev/null; then
	fw=1
fi
echo "[ab] kernel $(uname -r), $(nproc) hart(s), N=$N, masks: $MASKS, firmware counters: $([ $fw = 1 ] && echo yes || echo no)"
rc=0
for m in $MASKS; do
	if ! insmod /job/kvm.ko nacl_features="$m"; then
		echo "[ab] insmod kvm.ko nacl_features=$m failed"
		rc=1
		continue
	fi
	echo "[ab] nacl_features=$m: $(dmesg | grep -o 'SBI nested acceleration.*' | tail -n 1)"
	for kind in $KINDS; do
		[ $fw = 0 ] || echo 1 > "$FW/reset"
		"$EB" --json --kind "$kind" -n "$N" > "$R/$m.$kind.json" || rc=1
		[ $fw = 0 ] || cat "$FW/counters" > "$R/$m.$kind.fw"
	done
	rmmod kvm
done
[ $fw = 0 ] || rmmod naclscope_fw
exit "$rc"
