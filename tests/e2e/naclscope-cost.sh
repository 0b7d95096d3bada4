# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# naclscope's own cost, run by scripts/run-qemu --smp 1 --icount (1 ns = one
# guest instruction) with naclscope, exitbench and guest-lib.sh: the mean
# time per exit with tracing off, under `naclscope record` (the default:
# kernel BPF stats sampled), under `naclscope record -S` (stats never on)
# and, with the kernel series, under `record -s -S` (switch cycles only)
# and `record -g -S` (guest span too). Prints figures; only the runs
# themselves are checked (timings are never pass/fail).
# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. /job/guest-lib.sh
NS=/job/naclscope
EB=/job/exitbench
N=${NACLSCOPE_COST_N:-20000}

check "kvm.ko loads" load_kvm
mean() { awk -v k="$2" '$3 == k { print $7 }' "$1"; }
for kind in sbi-kernel sbi-user wfi; do
	check "$kind: tracing off" sh -c "$EB --kind $kind -n $N > /tmp/off.txt"
	check "$kind: under naclscope record" sh -c "$NS record -o /tmp/on.json -- $EB --kind $kind -n $N > /tmp/on.txt 2> /tmp/on.err"
	check "$kind: under naclscope record -S" sh -c "$NS record -S -o /tmp/on-s.json -- $EB --kind $kind -n $N > /tmp/on-s.txt 2> /tmp/on-s.err"
	off=$(mean /tmp/off.txt "$kind") on=$(mean /tmp/on.txt "$kind") ons=$(mean /tmp/on-s.txt "$kind")
	echo "# $kind mean ns/exit: off $off, record $on, record -S $ons"
	echo "# added per exit: $((on - off)) ($((100 * (on - off) / off)) %), without BPF stats $((ons - off)) ($((100 * (ons - off) / off)) %)"
	if [ -d /sys/kernel/tracing/events/kvm/kvm_riscv_world_switch ]; then
		check "$kind: under naclscope record -s -S" sh -c "$NS record -s -S -o /tmp/on-sw.json -- $EB --kind $kind -n $N > /tmp/on-sw.txt 2> /tmp/on-sw.err"
		onw=$(mean /tmp/on-sw.txt "$kind")
		echo "# switch-only, no stats: $onw, added $((onw - off)) ($((100 * (onw - off) / off)) %)"
		check "$kind: under naclscope record -g -S" sh -c "$NS record -g -S -o /tmp/on-g.json -- $EB --kind $kind -n $N > /tmp/on-g.txt 2> /tmp/on-g.err"
		ong=$(mean /tmp/on-g.txt "$kind")
		echo "# guest span too, no stats: $ong, added $((ong - off)) ($((100 * (ong - off) / off)) %)"
	fi
	$NS report /tmp/on.json | tail -n 1 | sed 's/^/# /'
	tr -d ' \n' < /tmp/on.json | grep -o '"programs":\[[^]]*\]' | sed 's/},{/}\n# {/g; s/^/# /'
	echo
done
echo "# JIT: $(cat /proc/sys/net/core/bpf_jit_enable)"
summary
