# SPDX-License-Identifier: GPL-2.0
# Two naclscope recordings of one exitbench workload, inside the guest
# (busybox sh), for `naclscope compare` on the host (scripts/demo):
#   scripts/run-qemu --firmware nacl --keep DIR ... tools/naclscope/ab-guest.sh \
#       tests/e2e/guest-lib.sh <OUT>/naclscope <OUT>/exitbench
# Side A loads kvm.ko with nacl_features=${AB_A:-0x0} (NACL off: the
# non-nested switch_to path), side B with ${AB_B:-0xf} (every feature).
# The recordings are /job/a.json and /job/b.json.
# shellcheck shell=sh
# shellcheck source=tests/e2e/guest-lib.sh
. /job/guest-lib.sh

NS=/job/naclscope
EB=/job/exitbench
N=${AB_N:-2000}
rc=0
for side in a:"${AB_A:-0x0}" b:"${AB_B:-0xf}"; do
	name=${side%%:*} mask=${side#*:}
	insmod /job/kvm.ko nacl_features="$mask" || { rc=1; continue; }
	echo "[ab] side $name: kvm.nacl_features=$mask: $(dmesg | grep -o 'SBI nested acceleration.*' | tail -n 1)"
	if ! $NS record -o "/job/$name.json" -- "$EB" --kind mix -n "$N" --vcpus 2 > "/tmp/$name.log" 2>&1; then
		rc=1
		tail -n 3 "/tmp/$name.log"
	fi
	$NS report "/job/$name.json" | sed -n '1,6p'
	rmmod kvm
done
exit "$rc"
