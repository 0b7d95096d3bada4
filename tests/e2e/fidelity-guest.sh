# SPDX-License-Identifier: GPL-2.0
# One L0 profile of the fidelity test, inside the guest (busybox sh) on the
# nested L0 firmware built with that profile's costs, under -icount:
#   tests/e2e/run fidelity, or
#   scripts/run-qemu --firmware l0-nacl --smp 1 --icount --keep DIR \
#       tests/e2e/fidelity-guest.sh tests/e2e/guest-lib.sh fidelity.conf \
#       <OUT>/exitbench <OUT>/naclscope
# fidelity.conf sets KINDS and N. For NACL off (kvm.nacl_features=0x0)
# and on (0xf), each kind runs twice: exitbench alone (the truth: its
# instructions per exit), then exitbench wrapped by naclscope record (a
# short-lived VM: every recording must still hold its KVM counters).
# naclscope compare of the two recordings, on the default span and on the
# switch span alone, is written beside them. Results go to /job/fid/;
# build/host/fidelity checks them on the host.
# shellcheck shell=sh
# shellcheck source=tests/e2e/guest-lib.sh
. /job/guest-lib.sh
# shellcheck disable=SC1091
. /job/fidelity.conf

EB=/job/exitbench
NS=/job/naclscope
R=/job/fid
mkdir -p "$R"
grep -q " /sys/kernel/debug " /proc/mounts || mount -t debugfs none /sys/kernel/debug
echo "[fidelity] kernel $(uname -r), $(nproc) hart(s), N=$N, kinds: $KINDS"
rc=0
for m in 0x0 0xf; do
	if ! insmod /job/kvm.ko nacl_features="$m"; then
		echo "[fidelity] insmod kvm.ko nacl_features=$m failed"
		rc=1
		continue
	fi
	echo "[fidelity] nacl_features=$m: $(dmesg | grep -o 'SBI nested acceleration.*' | tail -n 1)"
	for kind in $KINDS; do
		"$EB" --json --kind "$kind" -n "$N" > "$R/$m.$kind.eb.json" || rc=1
		"$NS" record -S -o "$R/$m.$kind.rec.json" -- "$EB" --kind "$kind" -n "$N" \
			> "$R/$m.$kind.rec.log" 2>&1 || { cat "$R/$m.$kind.rec.log"; rc=1; }
		echo "[fidelity] $m $kind done"
	done
	rmmod kvm
done
for kind in $KINDS; do
	"$NS" compare --format json "$R/0x0.$kind.rec.json" "$R/0xf.$kind.rec.json" \
		> "$R/$kind.cmp.json" 2> "$R/$kind.cmp.log" || { cat "$R/$kind.cmp.log"; rc=1; }
	"$NS" compare --format json --span switch "$R/0x0.$kind.rec.json" "$R/0xf.$kind.rec.json" \
		> "$R/$kind.cmp-switch.json" 2> "$R/$kind.cmp-switch.log" || { cat "$R/$kind.cmp-switch.log"; rc=1; }
	"$NS" compare "$R/0x0.$kind.rec.json" "$R/0xf.$kind.rec.json" > "$R/$kind.cmp.txt" 2>&1 || rc=1
done
exit "$rc"
