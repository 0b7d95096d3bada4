# SPDX-License-Identifier: GPL-2.0
# ns per exit for every exitbench kind, run inside the guest (busybox sh):
#   scripts/run-qemu --firmware debian --smp 1 [--icount] --timeout 900 \
#       tools/exitbench/bench-guest.sh tests/e2e/guest-lib.sh <OUT>/exitbench
# EB_N (default 10000) exits per kind, one VM, one vCPU. Prints one line per
# kind: mean, min and max ns per exit as exitbench measured them (per
# KVM_RUN round trip for user exits, per batch of 100 for in-kernel ones).
# Under --icount (-icount shift=0) the guest clock advances 1 ns per
# instruction, so ns per exit is instructions per exit.
# shellcheck shell=sh
# shellcheck source=tests/e2e/guest-lib.sh
. /job/guest-lib.sh

EB=/job/exitbench
N=${EB_N:-10000}
W=/tmp/exitbench-bench
mkdir -p "$W"
load_kvm || { echo "[bench] kvm.ko does not load"; exit 1; }
echo "[bench] kernel $(uname -r), $(nproc) hart(s), N=$N per kind"
rc=0
for kind in sbi-kernel sbi-user mmio-user csr wfi mix; do
	"$EB" --json --kind "$kind" -n "$N" > "$W/$kind.json" || rc=1
done
python3 - "$W" <<'EOF' || rc=1
import json, sys
w = sys.argv[1]
print("%-10s %8s %10s %10s %10s  %s" % ("kind", "exits", "mean_ns", "min_ns", "max_ns", "check"))
for kind in ["sbi-kernel", "sbi-user", "mmio-user", "csr", "wfi", "mix"]:
    d = json.load(open("%s/%s.json" % (w, kind)))
    r = d["results"][0]
    print("%-10s %8d %10d %10d %10d  %s" % (kind, d["total"]["exits"], r["rt_ns"]["mean"],
          r["rt_ns"]["min"], r["rt_ns"]["max"], "ok" if d["ok"] else "FAILED"))
f = d["facts"]
print("facts: kernel %s, SBI %s, impl %s 0x%x, NACL %s" % (f["kernel_release"], f["sbi_spec_version"],
      f["sbi_impl_name"], f["sbi_impl_version"] or 0, f["nacl_features"]))
EOF
rmmod kvm
exit "$rc"
