# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# shellcheck source=tests/e2e/guest-lib.sh
# Smoke test, run inside the guest by tests/e2e/run: the stack boots and
# every tool the later tests need is there and works.
. /job/guest-lib.sh

check "kvm.ko loads" load_kvm
check "/dev/kvm exists" test -c /dev/kvm
check "dmesg says the hypervisor extension is available" sh -c 'dmesg | grep -q "hypervisor extension available"'
check "tracepoint kvm:kvm_entry exists" test -d /sys/kernel/tracing/events/kvm/kvm_entry
check "tracepoint kvm:kvm_exit exists" test -d /sys/kernel/tracing/events/kvm/kvm_exit
check "kernel BTF at /sys/kernel/btf/vmlinux" test -s /sys/kernel/btf/vmlinux
check "kvm module BTF at /sys/kernel/btf/kvm" test -s /sys/kernel/btf/kvm
check "KVM debugfs stats exist" test -d /sys/kernel/debug/kvm
check "BPF JIT is on" sh -c '[ "$(cat /proc/sys/net/core/bpf_jit_enable)" = 1 ]'
check "bpftool runs" bpftool version
check "bpftool reads kernel BTF" sh -c 'bpftool btf dump file /sys/kernel/btf/vmlinux format raw | head -n 1 | grep -q "\[1\]"'
check "perf runs" perf version
check "perf lists kvm:kvm_exit" sh -c 'perf list "kvm:*" 2>/dev/null | grep -q kvm_exit'
check "bpftrace runs" bpftrace --version
check "kvm.ko unloads" rmmod kvm
summary
