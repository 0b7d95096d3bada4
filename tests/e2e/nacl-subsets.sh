# SPDX-License-Identifier: GPL-2.0
# Linux on the NACL-patched OpenSBI, inside the guest (busybox sh):
#   tests/e2e/run nacl-subsets, or
#   scripts/run-qemu --firmware $(scripts/build-firmware --variant nacl --features 0x7) \
#       --smp 4 tests/e2e/nacl-subsets.sh tests/e2e/guest-lib.sh <conf> <OUT>/exitbench \
#       <OUT>/exitbench-subset <OUT>/naclscope
# <conf> is a file named subset.conf that sets OFFERED (the firmware's NACL
# feature mask), KVM_MASKS (the kvm.nacl_features= values to load kvm.ko
# with, one after the other), KINDS (exitbench kinds, default all) and N
# (exits per vCPU and kind).
#
# For each kvm.nacl_features mask M, with E = OFFERED & M the features KVM
# may use (bit 0 sync_csr, 1 sync_hfence, 2 sync_sret, 3 autoswap_csr):
#   - dmesg and the kvm_riscv_nacl_init event report OFFERED and E;
#   - exitbench makes exactly N exits of every kind on 2 vCPUs;
#   - every world switch takes the path and HSTATUS mode E implies:
#     sync_sret in E -> path sync_sret, and HSTATUS by autoswap if
#     autoswap_csr is in E, else by sync_csr if sync_csr is in E, else
#     direct; no sync_sret (or M = 0, NACL off) -> switch_to, direct;
#   - the vCPU counters agree one for one: entries on that path = HSTATUS
#     swaps of that mode = KVM exits, the other paths and modes zero, and
#     the tracepoint's events for the run carry only that path and mode;
#   - naclscope record around exitbench (2 VMs x 2 vCPUs) files exactly N
#     SBI exits per vCPU under that path and mode, and naclscope compare
#     of the first and the last mask's recordings shows both paths.
# shellcheck shell=sh
# shellcheck source=tests/e2e/guest-lib.sh
. /job/guest-lib.sh
# shellcheck disable=SC1091
. /job/subset.conf

EB=/job/exitbench
T=/sys/kernel/tracing
W=/tmp/nacl-subsets
mkdir -p "$W"
[ -d "$T/events" ] || mount -t tracefs none "$T"
echo 4096 > "$T/buffer_size_kb"
: "${OFFERED:?subset.conf sets no OFFERED}" "${KVM_MASKS:?subset.conf sets no KVM_MASKS}" "${N:=500}"

names() {
	l=""
	for b in 0:sync_csr 1:sync_hfence 2:sync_sret 3:autoswap_csr; do
		[ $(($1 & (1 << ${b%%:*}))) -eq 0 ] || l="${l:+$l, }${b#*:}"
	done
	echo "${l:-no features}"
}
hex() { printf '0x%x' "$(($1))"; }

echo "# $(nproc) hart(s), firmware offers $(hex "$OFFERED") ($(names "$OFFERED")), kvm masks: $KVM_MASKS"
if [ -e /dev/kvm ]; then
	notok "kvm must not be loaded before the test"
	summary
	exit 1
fi

for m in $KVM_MASKS; do
	e=$((OFFERED & m))
	if [ $((m)) -ne 0 ] && [ $((e & 4)) -ne 0 ]; then
		path=sync_sret
		if [ $((e & 8)) -ne 0 ]; then mode=autoswap; elif [ $((e & 1)) -ne 0 ]; then mode=sync_csr; else mode=direct; fi
	else
		path=switch_to mode=direct
	fi
	tag="nacl_features=$(hex "$m")"
	echo "# $tag: KVM may use $(hex "$e") ($(names "$e")), expect path $path, hstatus $mode"

	dmesg -c > /dev/null
	echo > "$T/trace"
	echo 'kvm:kvm_riscv_nacl_init:mod:kvm' > "$T/set_event"
	if ! insmod /job/kvm.ko nacl_features="$m"; then
		notok "$tag: insmod kvm.ko"
		continue
	fi
	ok "$tag: insmod kvm.ko"
	want="SBI nested acceleration offers $(hex "$OFFERED"), enabled $(hex "$e") (nacl_features=$(hex "$m"))"
	check "$tag: dmesg: ${want#SBI nested acceleration }" sh -c "dmesg | grep -qF '$want'"
	if [ $((m)) -ne 0 ]; then
		check "$tag: dmesg: using SBI nested acceleration with $(names "$e")" \
			sh -c "dmesg | grep -q 'using SBI nested acceleration with $(names "$e")\$'"
	else
		check "$tag: dmesg: NACL not used" sh -c "! dmesg | grep -q 'using SBI nested acceleration'"
	fi
	check "$tag: kvm_riscv_nacl_init event offered $(hex "$OFFERED") enabled $(hex "$e")" \
		grep -q "kvm_riscv_nacl_init: offered $(hex "$OFFERED") .* enabled $(hex "$e") " "$T/trace"
	echo > "$T/set_event"

	echo 1 > "$T/events/kvm/kvm_riscv_world_switch/enable"
	kinds=${KINDS:-sbi-kernel sbi-user mmio-user csr wfi mix}
	for kind in $kinds; do
		echo > "$T/trace"
		rc=0
		timeout "${EB_TIMEOUT:-300}" "$EB" --json --kind "$kind" -n "$N" --vcpus 2 > "$W/run.$kind.json" 2> "$W/run.$kind.err" || rc=$?
		# world-switch events in the ring buffer by path and mode; an overrun would lose some
		lost=$(cat "$T"/per_cpu/cpu*/stats | awk '/^overrun:/ { s += $2 } END { print s + 0 }')
		echo "$rc $lost" > "$W/status.$kind"
		grep -o 'kvm_riscv_world_switch: .* path [a-z_]* hstatus [a-z_]*' "$T/trace" |
			awk '{ print $(NF - 2), $NF }' | sort | uniq -c > "$W/events.$kind"
	done
	# one checker for all kinds: tools/exitbench/subset.c
	# shellcheck disable=SC2086 # one argument per kind
	/job/exitbench-subset "$W" "$path" "$mode" "$N" $kinds > "$W/verdict" 2>&1
	nkinds=0
	for kind in $kinds; do nkinds=$((nkinds + 1)); done
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "$tag: ${line#ok - }" ;;
		"not ok - "*) notok "$tag: ${line#not ok - }" ;;
		*) echo "    # $line" ;;
		esac
	done < "$W/verdict"
	expect_eq "$tag: kinds checked" "$nkinds" "$(grep -c '^\(not \)\?ok - ' "$W/verdict")"
	echo 0 > "$T/events/kvm/kvm_riscv_world_switch/enable"

	rec=$W/rec-$(hex "$m").json
	if /job/naclscope record -o "$rec" -- "$EB" --kind sbi-kernel -n "$N" --vms 2 --vcpus 2 > "$W/rec.log" 2>&1; then
		/job/naclscope report "$rec" --format csv > "$W/rec.csv"
		got=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
			index($h["reason"], "exc:ecall_vs/BASE.get_spec_version") == 1 {
				print $h["vm"] "/" $h["vcpu"], $h["path"], $h["hstatus_mode"], $h["count"] }' "$W/rec.csv" | sort)
		vms=$(echo "$got" | awk '{ split($1, a, "/"); print a[1] }' | sort -u | wc -l)
		if [ "$(echo "$got" | awk '{ $1 = ""; print }' | sort -u)" = " $path $mode $N" ] &&
			[ "$(echo "$got" | wc -l)" = 4 ] && [ "$vms" = 2 ]; then
			ok "$tag: naclscope record: 4 vCPUs of 2 VMs x $N SBI exits, all $path/$mode"
		else
			notok "$tag: naclscope record: want 4 vCPUs x '$path $mode $N', got: $(echo "$got" | tr '\n' ';')"
		fi
		[ -n "${first_rec:-}" ] || { first_rec=$rec; FIRST_PATH=$path; }
		last_rec=$rec
		LAST_PATH=$path
	else
		notok "$tag: naclscope record -- exitbench"
		tail -n 3 "$W/rec.log" | sed 's/^/    # /'
	fi
	check "$tag: rmmod kvm" rmmod kvm
done
if [ -n "${first_rec:-}" ] && [ "$first_rec" != "$last_rec" ]; then
	/job/naclscope compare "$first_rec" "$last_rec" > "$W/compare.txt" 2>&1
	expect_eq "naclscope compare $(basename "$first_rec") $(basename "$last_rec") exits 0" 0 "$?"
	paths=$(grep -o 'sync_sret\|switch_to' "$W/compare.txt" | sort -u | tr '\n' ' ')
	case $FIRST_PATH/$LAST_PATH in
	sync_sret/switch_to|switch_to/sync_sret)
		expect_eq "compare shows both paths" "switch_to sync_sret " "$paths" ;;
	esac
	sed -n '1,12p' "$W/compare.txt" | sed 's/^/# /'
fi
summary
