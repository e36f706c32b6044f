#!/bin/bash
# Install the Debian packages hyperv-guest needs to build, test and demo.
#
#   scripts/deps.sh          install what is missing (idempotent)
#   scripts/deps.sh --check  exit 1 if anything is missing, install nothing
#
# The list is the base below plus every DEPS file in the tree (one package
# per line, # comments), so each component declares its own needs.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)

base=(
	build-essential bc bison flex libelf-dev libssl-dev dwarves kmod cpio
	rsync python3 xz-utils zstd sparse pkg-config
	linux-headers-amd64 linux-headers-cloud-amd64 linux-headers-rt-amd64
	linux-image-amd64 linux-source-6.1
	linux-source-6.12
	qemu-system-x86 busybox-static e2fsprogs iproute2
	libcmocka-dev clang libclang-rt-14-dev
	hyperv-daemons
	kexec-tools
)

# The 6.12 kernel has no metapackage in bookworm: take the newest
# linux-headers-6.12.*-amd64 (it pulls in the matching image).
newest_612() {
	apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' |
		awk '{print $1}' | sort -V | tail -1
}

pkgs=("${base[@]}")
while IFS= read -r f; do
	while read -r p _; do
		case "$p" in '' | '#'*) continue ;; esac
		pkgs+=("$p")
	done <"$f"
done < <(find "$src" -name DEPS -type f -not -path "$src/build/*" | sort)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
# Any installed 6.12 headers satisfy the 6.12 requirement.
if ! ls -d /usr/src/linux-headers-6.12.*-amd64 >/dev/null 2>&1; then
	missing+=("@612")
fi

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "${1:-}" = --check ]; then
	echo "missing packages: ${missing[*]}" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: need root to install: ${missing[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "deps: installing ${missing[*]}"
# kexec-tools is for the VM tests' kexec (vmbus-kexec): it must not make
# this machine's own reboots load a kernel.
echo "kexec-tools kexec-tools/load_kexec boolean false" | debconf-set-selections
apt-get update -q >/dev/null
if [[ " ${missing[*]} " == *" @612 "* ]]; then
	h612=$(newest_612)
	[ -n "$h612" ] || { echo "deps: no linux-headers-6.12 package found" >&2; exit 1; }
	missing=("${missing[@]/@612/$h612}")
fi
apt-get install -y -q --no-install-recommends "${missing[@]}"
