# SPDX-License-Identifier: GPL-2.0
# exitbench end to end, inside the guest (busybox sh):
#   tests/e2e/run exitbench, or
#   scripts/run-qemu --firmware debian --smp 2 --timeout 900 tests/e2e/exitbench.sh \
#       tests/e2e/guest-lib.sh <OUT>/exitbench
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

python3 - "$W" > "$W/matrix.out" 2>&1 <<'EOF' || notok "the matrix checker ran"
import json, sys
w = sys.argv[1]
stat_of = {"sbi-user": "ecall_exit_stat", "mmio-user": "mmio_exit_user",
           "csr": "csr_exit_kernel", "wfi": "wfi_exit_stat"}
basic = ["sbi-kernel", "sbi-user", "mmio-user", "csr", "wfi"]
def expected(kind, n, k):
    if kind == "mix":
        return n // 5 + (1 if basic.index(k) < n % 5 else 0)
    return n if kind == k else 0
for line in open(w + "/runs"):
    i, kind, n, vms, vcpus, rc, ecalls = line.split()
    n, vms, vcpus, rc = int(n), int(vms), int(vcpus), int(rc)
    name = "%s n=%d vms=%d vcpus=%d" % (kind, n, vms, vcpus)
    errs = []
    try:
        doc = json.load(open("%s/run.%s.json" % (w, i)))
    except Exception as e:
        err = open("%s/run.%s.err" % (w, i)).read().strip()
        print("not ok - %s: no JSON (status %d): %s %s" % (name, rc, e, err))
        continue
    if rc != 0 or not doc["ok"]:
        errs.append("status %d, ok %s" % (rc, doc["ok"]))
    res = doc["results"]
    if len(res) != vms * vcpus:
        errs.append("%d results for %d vCPUs" % (len(res), vms * vcpus))
    seen = sorted((r["vm"], r["vcpu"]) for r in res)
    if seen != [(a, b) for a in range(vms) for b in range(vcpus)]:
        errs.append("results for %s" % seen)
    want_ecalls = 0
    for r in res:
        who = "VM %d vCPU %d" % (r["vm"], r["vcpu"])
        if not r["ok"]:
            errs.append("%s: %s" % (who, r.get("error")))
        if r["guest_count"] != n:
            errs.append("%s: guest counted %d" % (who, r["guest_count"]))
        for k in basic:
            want = expected(kind, n, k)
            got = r["exits"].get(k, 0)
            if got != want:
                errs.append("%s: %d %s exits, want %d" % (who, got, k, want))
            if k in r["host_user_exits"] and r["host_user_exits"][k] != want:
                errs.append("%s: host saw %d %s exits, want %d" % (who, r["host_user_exits"][k], k, want))
            if k in stat_of:
                extra = r["window_control_exits"] if k == "sbi-user" else 0
                if k == "csr":
                    extra = -r.get("csr_redirected_illegal", 0)
                got = r["kvm_stats"].get(stat_of[k])
                if got != want + extra:
                    errs.append("%s: %s delta %s, want %d" % (who, stat_of[k], got, want + extra))
        if kind in ("csr", "mix") and r.get("csr_redirected_illegal") != 0:
            errs.append("%s: %s csr accesses redirected as illegal instructions, want 0 under QEMU" %
                        (who, r.get("csr_redirected_illegal")))
        if r["setup"].get("sbi_kernel_calls") != (1 if kind in ("wfi", "mix") else 0):
            errs.append("%s: %s in-kernel SBI calls in the set-up" % (who, r["setup"].get("sbi_kernel_calls")))
        if r["setup"]["user_exits"] != 1 or r["teardown"]["user_exits"] != 1:
            errs.append("%s: set-up/teardown user exits %d/%d, want 1/1" %
                        (who, r["setup"]["user_exits"], r["teardown"]["user_exits"]))
        want_ecalls += (r["exits"].get("sbi-kernel", 0) + r["exits"].get("sbi-user", 0) +
                        r["setup"]["user_exits"] + r["setup"]["sbi_kernel_calls"] +
                        r["window_control_exits"])
    if not ecalls.isdigit() or int(ecalls) != want_ecalls:
        errs.append("tracepoint counted %s ecall traps, want %d" % (ecalls, want_ecalls))
    if errs:
        print("not ok - %s: %s" % (name, "; ".join(errs[:4])))
    else:
        print("ok - %s: %d vCPU(s) x %d exits, KVM stats and %d ecall traps agree" %
              (name, vms * vcpus, n, want_ecalls))
EOF
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

# the watchdog: neither kind can make 10^8 exits in 3 s; both are stopped,
# named with vCPU, iteration and timeout, and the second kind still runs
rc=0 t0=$(date +%s)
timeout 120 "$EB" --json --kind wfi,sbi-kernel -n 100000000 --timeout 3 > "$W/wd.json" 2> "$W/wd.err" || rc=$?
dt=$(( $(date +%s) - t0 ))
expect_eq "watchdog: exit status" 1 "$rc"
check "watchdog: both kinds ended within their 3 s plus the kick ($dt s)" test "$dt" -le 20
check "watchdog: one stderr line per vCPU names the kind, the vCPU, the iteration and the timeout" \
	grep -q '^naclscope: exitbench: wfi: VM 0 vCPU 0: timed out after 3 s (--timeout) at iteration [1-9][0-9]* of 100000000$' "$W/wd.err"
check "watchdog: the second kind ran and timed out too" \
	grep -q '^naclscope: exitbench: sbi-kernel: VM 0 vCPU 0: timed out after 3 s' "$W/wd.err"
check "watchdog: the JSON marks both kinds failed with the reason" python3 -c "
import json
d = json.load(open('$W/wd.json'))
assert not d['ok'] and sorted(d['failed']) == ['sbi-kernel', 'wfi'], d['failed']
assert all('timed out after 3 s' in v for v in d['failed'].values()), d['failed']
assert all(not run['ok'] and run['results'][0]['guest_count'] > 0 for run in d['runs'])
"
check "kvm.ko unloads" rmmod kvm
summary
