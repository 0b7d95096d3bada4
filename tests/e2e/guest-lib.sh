# SPDX-License-Identifier: GPL-2.0
# Helpers for scripts that run inside the naclscope guest (busybox sh).
# shellcheck shell=sh
NS_PASS=0
NS_FAIL=0
ok() { NS_PASS=$((NS_PASS + 1)); echo "ok - $*"; }
notok() { NS_FAIL=$((NS_FAIL + 1)); echo "not ok - $*"; }
# check "description" command...
check() {
	d=$1
	shift
	if "$@" > /tmp/check.out 2>&1; then ok "$d"; else notok "$d"; sed 's/^/    # /' /tmp/check.out | tail -n 5; fi
}
# expect_eq "description" expected actual
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1 ($3)"; else notok "$1: expected '$2', got '$3'"; fi
}
summary() {
	echo "$NS_PASS passed, $NS_FAIL failed"
	[ "$NS_FAIL" -eq 0 ]
}
load_kvm() {
	[ -e /dev/kvm ] && return 0
	insmod /job/kvm.ko "$@"
}
