# SPDX-License-Identifier: GPL-2.0
# Shared helpers for naclscope's scripts. Sourced, never run.
# shellcheck shell=bash disable=SC2034

NS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NS_CACHE=${NACLSCOPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/naclscope}
NS_TAG=${NS_TAG:-$(basename "$0")}
NS_T0=$(date +%s)

# Pinned, tested versions. A newer one is used (with a warning) only when
# the pinned one is gone from the archive.
NS_KVER_PKG=${NS_KVER_PKG:-linux-source-7.3}
NS_KVER_PIN=${NS_KVER_PIN:-7.3.4-1~bpo13+1}
NS_KSUITE=${NS_KSUITE:-trixie-backports}
NS_OPENSBI_VER=${NS_OPENSBI_VER:-1.8.1}
NS_OPENSBI_SHA256=${NS_OPENSBI_SHA256:-fb1ae61a85e966322101acb1c982f84d9eaafc4de7dd474a7d7546d9bb321c6f}
NS_CROSS=${CROSS_COMPILE:-riscv64-linux-gnu-}

say() { printf '[%s] %s\n' "$NS_TAG" "$*" >&2; }
warn() { printf '[%s] warning: %s\n' "$NS_TAG" "$*" >&2; }
die() { printf '[%s] error: %s\n' "$NS_TAG" "$*" >&2; exit 1; }

# "6m31s" since the script started (or since $1, an epoch).
elapsed() {
	local s=$(( $(date +%s) - ${1:-$NS_T0} ))
	if [ "$s" -ge 60 ]; then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}

# Hash of files and strings: ns_hash FILE|-s STRING ...
ns_hash() {
	{
		while [ $# -gt 0 ]; do
			if [ "$1" = -s ]; then printf 's:%s\n' "$2"; shift 2; continue; fi
			if [ -f "$1" ]; then printf 'f:%s\n' "$(basename "$1")"; cat "$1"; else printf 'missing:%s\n' "$1"; fi
			shift
		done
	} | sha256sum | cut -c1-16
}

# Serialize the builds of one artefact: ns_lock NAME. The lock (fd 9) is
# held until the calling script exits; a concurrent run of the same build
# waits for it, then finds the artefact done. Check for the artefact
# again after taking the lock.
ns_lock() {
	local f="$NS_CACHE/locks/$1.lock"
	mkdir -p "$NS_CACHE/locks" || die "cannot create $NS_CACHE/locks"
	exec 9> "$f" || die "cannot open lock $f"
	if ! flock -n 9; then
		say "another run is building $1; waiting for it (lock $f)"
		flock 9 || die "cannot take lock $f"
	fi
}

# Refuse to start a long step without room for it (MiB).
need_space() {
	local dir=$1 mib=$2 avail
	mkdir -p "$dir" || die "cannot create $dir (set NACLSCOPE_CACHE to a writable directory)"
	avail=$(df -Pm "$dir" | awk 'NR==2 {print $4}')
	[ "${avail:-0}" -ge "$mib" ] ||
		die "only ${avail} MiB free in $dir, need ${mib} MiB: free space or set NACLSCOPE_CACHE elsewhere"
}

# The Debian mirror this machine already uses, from its own apt sources
# (deb822 .sources and one-line .list files). NACLSCOPE_MIRROR overrides.
ns_mirror() {
	if [ -n "${NACLSCOPE_MIRROR:-}" ]; then echo "$NACLSCOPE_MIRROR"; return; fi
	local f uri etc=${NS_APT_ETC:-/etc/apt}
	for f in "$etc"/sources.list.d/*.sources "$etc"/sources.list "$etc"/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		case $f in
		*.sources) uri=$(awk 'tolower($1)=="uris:" {for (i=2;i<=NF;i++) print $i}' "$f") ;;
		*) uri=$(awk '$1=="deb" || $1=="deb-src" {for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; break}}' "$f") ;;
		esac
		uri=$(printf '%s\n' "$uri" | grep -E '/debian/?$' | head -n1)
		if [ -n "$uri" ]; then echo "${uri%/}"; return; fi
	done
	die "no Debian mirror found in $etc sources: set NACLSCOPE_MIRROR=http://<mirror>/debian"
}

NS_KEYRING=${NS_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}

# A private apt configuration in the cache: own sources, lists, archives
# and status. /etc/apt is never touched.
# ns_apt_setup NAME ARCH "LINE..."  -> sets NS_APT_CONF
ns_apt_setup() {
	local name=$1 arch=$2 lines=$3 d
	d="$NS_CACHE/apt/$name"
	mkdir -p "$d/etc/apt.conf.d" "$d/etc/preferences.d" "$d/etc/sources.list.d" \
		"$d/lists/partial" "$d/archives/partial" "$d/state"
	touch "$d/state/status"
	printf '%s\n' "$lines" > "$d/etc/sources.list"
	cat > "$d/apt.conf" <<-EOF
	Dir::Etc "$d/etc";
	Dir::Etc::Parts "$d/etc/apt.conf.d";
	Dir::Etc::SourceParts "$d/etc/sources.list.d";
	Dir::Etc::PreferencesParts "$d/etc/preferences.d";
	Dir::State "$d";
	Dir::State::Lists "$d/lists";
	Dir::State::status "$d/state/status";
	Dir::Cache "$d";
	Dir::Cache::archives "$d/archives";
	APT::Architecture "$arch";
	APT::Architectures { "$arch"; };
	Acquire::Languages "none";
	Acquire::Check-Valid-Until "false";
	Acquire::Retries "3";
	APT::Get::AllowUnauthenticated "false";
	APT::Sandbox::User "root";
	EOF
	NS_APT_CONF="$d/apt.conf"
	export NS_APT_CONF
}

ns_apt() { APT_CONFIG="$NS_APT_CONF" "$@"; }

# apt-get update; returns non-zero (and keeps the log) when an index
# failed, e.g. the riscv64 index served stale against InRelease.
ns_apt_update() {
	local log="$NS_CACHE/apt/update.log"
	if ns_apt apt-get -q update > "$log" 2>&1 && ! grep -qE '^(E:|W: Failed|Err:)' "$log"; then
		return 0
	fi
	grep -E '^E:' "$log" | head -n 1 >&2
	return 1
}

# The L0 cost model (docs/firmware.md, "The L0 cost model"): nested L0
# builds that add instructions to each emulated trap and NACL call. The
# named profiles, defined here only:
#   l0-traps  an L0 with expensive traps: NACL wins on every exit kind
#   l0-nacl   an L0 with expensive NACL calls: NACL loses on exits
#             handled in the kernel and wins on exits to user space
# ns_firmware_profile NAME: print the profile's spec; 1 if NAME is none.
ns_firmware_profile() {
	case $1 in
	l0-traps) echo "nested,trap=3000" ;;
	l0-nacl) echo "nested,trap=1000,nacl=15000" ;;
	*) return 1 ;;
	esac
}

# ns_cost_ok N: N is a decimal instruction count 0..1000000.
ns_cost_ok() {
	case $1 in ""|*[!0-9]*|0?*) return 1 ;; esac
	[ ${#1} -le 7 ] && [ "$1" -le 1000000 ]
}

# ns_firmware_args SPEC: the scripts/build-firmware arguments of a
# firmware spec, on one line, or die naming what is wrong. The grammar
# (scripts/run-qemu --firmware, the FIRMWARE of scripts/ab's sides):
#   SPEC := plain | nacl | nested[,trap=N][,nacl=N] | l0-traps | l0-nacl
# N a decimal instruction count 0..1000000 (scripts/build-firmware
# --trap-cost/--nacl-cost).
ns_firmware_args() {
	local spec=$1 variant item key val trap="" nacl="" args
	local -a items
	val=$(ns_firmware_profile "$spec") && spec=$val
	IFS=, read -ra items <<< "$spec,"
	variant=${items[0]:-}
	case $variant in
	plain|nacl|nested) ;;
	*) die "firmware '$1': want plain, nacl, nested[,trap=N][,nacl=N], l0-traps or l0-nacl" ;;
	esac
	args="--variant $variant"
	for item in "${items[@]:1}"; do
		key=${item%%=*} val=${item#*=}
		[ "$key" != "$item" ] ||
			die "firmware '$1': '$item' is not trap=N or nacl=N"
		case $key in
		trap) [ -z "$trap" ] || die "firmware '$1': trap= given twice"; trap=$val ;;
		nacl) [ -z "$nacl" ] || die "firmware '$1': nacl= given twice"; nacl=$val ;;
		*) die "firmware '$1': unknown option '$key=' (want trap=N or nacl=N)" ;;
		esac
		[ "$variant" = nested ] ||
			die "firmware '$1': $key= applies only to nested (the L0 cost model)"
		ns_cost_ok "$val" ||
			die "firmware '$1': $key= wants a decimal instruction count 0..1000000, got '$val'"
		args="$args --$key-cost $val"
	done
	echo "$args"
}
