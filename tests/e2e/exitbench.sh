# SPDX-License-Identifier: GPL-2.0
# exitbench end to end, inside the guest (busybox sh):
#   tests/e2e/run exitbench, or
#   scripts/run-qemu --firmware debian --smp 2 --timeout 900 tests/e2e/exitbench.sh \
#       tests/e2e/guest-lib.sh <OUT>/exitbench <OUT>/exitbench-matrix
# For every kind, N in {1, 1000}, 1 and 2 VMs, 1 and 2 vCPUs: each vCPU made
# exactly N measured exits (the guest's count, the host's count), the KVM
# vCPU stats counted them one for one (ecall_exit_stat, mmio_exit_user,
# csr_exit_kernel, wfi_exit_stat, read by exitbench through
# KVM_GET_STATS_FD before the VM is gone), and the VS-mode ecall traps
# the tracepoint kvm:kvm_vcpu_exit records with scause 10 (tracefs, a
# filter, the ring buffer's entry count; perf stat costs ~40 s a run here)
# are exactly the SBI calls the guests made: measured ones plus the
# start/batch/done control calls plus the set-up's in-kernel ones (the
# SBI TIME call of wfi and mix). csr_exit_kernel counts the csr accesses
# less those that came back as illegal instructions (none under QEMU).
# (sbi-kernel has no KVM stat of its own; the tracepoint count covers it.)
# Then several kinds in one run, and the watchdog (--timeout): kinds that
# cannot finish in time are reported failed, named, and the next still runs.
# shellcheck shell=sh
# shellcheck source=tests/e2e/guest-lib.sh
. /job/guest-lib.sh

EB=/job/exitbench
W=/tmp/exitbench
mkdir -p "$W"

# bad input: one line on stderr, status 2 (kvm not loaded yet)
bad() {
	d=$1
	shift
	rc=0
	"$EB" "$@" > "$W/bad.out" 2> "$W/bad.err" || rc=$?
	lines=$(wc -l < "$W/bad.err")
	if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && [ ! -s "$W/bad.out" ]; then
		ok "$d: status 2, '$(cat "$W/bad.err")'"
	else
		notok "$d: status $rc, $lines stderr line(s)"
		sed 's/^/    # /' "$W/bad.err" | head -n 3
	fi
}

if [ -e /dev/kvm ]; then
	notok "kvm must not be loaded before the test"
else
	bad "without kvm.ko" --kind sbi-user -n 1
	check "without kvm.ko the message names kvm.ko" grep -q "kvm.ko is not loaded" "$W/bad.err"
fi
check "kvm.ko loads" load_kvm
bad "unknown kind" --kind pio
bad "N of 0" -n 0
bad "negative N" -n -5
bad "absurd N" -n 100000001
bad "N not a number" -n 10k
bad "65 vCPUs" --vcpus 65
bad "0 VMs" --vms 0
bad "unknown option" --frobnicate
bad "timeout of 0" --timeout 0
bad "absurd timeout" --timeout 86401
bad "kind given twice" --kind csr,wfi,csr
check "--help exits 0" "$EB" --help

# the human table works and reports the run's facts
check "table report" sh -c "'$EB' --kind sbi-user -n 10 | grep -q '^kernel $(uname -r), SBI'"

# the matrix: one JSON and one ecall-trap count per run, checked together below
T=/sys/kernel/tracing
E=$T/events/kvm/kvm_vcpu_exit
check "tracepoint kvm:kvm_vcpu_exit takes the filter scause == 10" sh -c "echo 'scause == 10' > $E/filter"
echo 8192 > "$T/buffer_size_kb"
echo 1 > "$E/enable"
echo 1 > "$T/tracing_on"
: > "$W/runs"
i=0
for kind in sbi-kernel sbi-user mmio-user csr wfi mix; do
	for n in 1 1000; do
		for vms in 1 2; do
			for vcpus in 1 2; do
				i=$((i + 1))
				rc=0
				echo "# run $i: --kind $kind -n $n --vms $vms --vcpus $vcpus"
				: > "$T/trace"
				timeout 300 "$EB" --json --kind "$kind" -n "$n" --vms "$vms" --vcpus "$vcpus" \
					> "$W/run.$i.json" 2> "$W/run.$i.err" || rc=$?
				# events in the ring buffer; an overrun would lose some
				ecalls=$(cat "$T"/per_cpu/cpu*/stats | awk '/^entries:/ { e += $2 } /^overrun:/ { o += $2 }
					END { if (o) print "overrun"; else print e }')
				echo "$i $kind $n $vms $vcpus $rc ${ecalls:-none}" >> "$W/runs"
			done
		done
	done
done

# the matrix checker: tools/exitbench/matrix.c, on exitbench's own definitions
rc=0
/job/exitbench-matrix "$W" > "$W/matrix.out" 2>&1 || rc=$?
[ "$rc" -le 1 ] || notok "the matrix checker ran (status $rc)"
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) notok "${line#not ok - }" ;;
	*) echo "    # $line" ;;
	esac
done < "$W/matrix.out"
expect_eq "matrix runs checked" 48 "$(grep -c '^\(not \)\?ok - ' "$W/matrix.out")"

echo 0 > "$E/enable"
echo 0 > "$E/filter"

# several kinds in one run: one report, every kind exact
rc=0
timeout 300 "$EB" --json --kind csr,wfi,mix -n 100 --vcpus 2 > "$W/multi.json" 2> "$W/multi.err" || rc=$?
check "--kind csr,wfi,mix: status 0 ($rc), every kind ok, nothing failed" python3 -c "
import json, sys
d = json.load(open('$W/multi.json'))
assert $rc == 0 and d['ok'] and d['failed'] == {}, d.get('failed')
assert d['kinds'] == ['csr', 'wfi', 'mix'] and [r['kind'] for r in d['runs']] == d['kinds']
for run in d['runs']:
    assert run['ok'] and len(run['results']) == 2, run['kind']
    for r in run['results']:
        assert r['ok'] and r['guest_count'] == 100, (run['kind'], r)
"

# the watchdog: neither kind can make 10^8 exits in 5 s; both are stopped,
# named with vCPU, iteration and timeout, and the second kind still runs.
# Exact, not timed: status 1 is exitbench's own (the outer timeout's
# would be 124); the seconds taken are printed, never compared.
rc=0 t0=$(date +%s)
timeout 120 "$EB" --json --kind wfi,sbi-kernel -n 100000000 --timeout 5 > "$W/wd.json" 2> "$W/wd.err" || rc=$?
echo "# watchdog run: $(( $(date +%s) - t0 )) s for two kinds of 5 s"
expect_eq "watchdog: exit status (exitbench's, not the outer timeout's)" 1 "$rc"
check "watchdog: one stderr line per vCPU names the kind, the vCPU, the iteration and the timeout" \
	grep -q '^naclscope: exitbench: wfi: VM 0 vCPU 0: timed out after 5 s (--timeout) at iteration [1-9][0-9]* of 100000000$' "$W/wd.err"
check "watchdog: the second kind ran and timed out too" \
	grep -q '^naclscope: exitbench: sbi-kernel: VM 0 vCPU 0: timed out after 5 s' "$W/wd.err"
check "watchdog: the JSON marks both kinds failed with the reason" python3 -c "
import json
d = json.load(open('$W/wd.json'))
assert not d['ok'] and sorted(d['failed']) == ['sbi-kernel', 'wfi'], d['failed']
assert all('timed out after 5 s' in v for v in d['failed'].values()), d['failed']
assert all(not run['ok'] and run['results'][0]['guest_count'] > 0 for run in d['runs'])
"
check "kvm.ko unloads" rmmod kvm
summary
