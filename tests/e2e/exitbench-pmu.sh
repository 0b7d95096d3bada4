# SPDX-License-Identifier: GPL-2.0
# exitbench's csr kind where KVM refuses the cycle read, inside the guest
# (busybox sh), on a hart with Sscofpmf:
#   tests/e2e/run exitbench, or
#   scripts/run-qemu --firmware debian --smp 1 --cpu-opts sscofpmf=true \
#       tests/e2e/exitbench-pmu.sh tests/e2e/guest-lib.sh <OUT>/exitbench
# With Sscofpmf KVM sets up its PMU and answers a guest's cycle read only
# through a counter the guest configured; exitbench's guest configured
# none, so KVM redirects each read as an illegal-instruction exception
# (what an independent L0 showed). The guest completes the access: every
# kind still makes exactly N exits, all N csr reads are reported as
# redirected, none counts as csr_exit_kernel, and the mix runs.
# shellcheck shell=sh
# shellcheck source=tests/e2e/guest-lib.sh
. /job/guest-lib.sh
EB=/job/exitbench
N=200
W=/tmp/pmu
mkdir -p "$W"
check "kvm.ko loads" load_kvm
check "the hart has Sscofpmf" grep -q sscofpmf /proc/cpuinfo
for kind in csr mix; do
	check "$kind: exitbench -n $N runs" sh -c "$EB --kind $kind -n $N --json > $W/$kind.json"
	# one vCPU: the fields of results[0]
	red=$(tr -d ' \n' < "$W/$kind.json" | grep -o '"csr_redirected_illegal":[0-9]*' | head -n 1 | cut -d: -f2)
	want=$N
	[ "$kind" = csr ] || want=$((N / 5))
	expect_eq "$kind: csr reads redirected as illegal instructions" "$want" "$red"
	kern=$(tr -d ' \n' < "$W/$kind.json" | grep -o '"csr_exit_kernel":[0-9]*' | head -n 1 | cut -d: -f2)
	expect_eq "$kind: none answered as csr_exit_kernel" 0 "$kern"
	okv=$(tr -d ' \n' < "$W/$kind.json" | grep -o '"ok":[a-z]*' | tail -n 1 | cut -d: -f2)
	expect_eq "$kind: exitbench's own checks hold" true "$okv"
done
summary
