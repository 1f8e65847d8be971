#!/usr/bin/env bash
# Installs kiln and runs it on a real image: a root filesystem unpacked from Debian
# packages (fetched from this machine's own apt sources) becomes an OCI image, which kiln
# then inspects, copies into a docker-archive, and lists file by file.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

cargo install --locked --path crates/kiln-cli
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

work=$(mktemp -d "${TMPDIR:-/tmp}/kiln-demo.XXXXXX")
echo "working in $work" >&2
as_root apt-get update -qq
(cd "$work" && apt-get download -qq base-files netbase tzdata ca-certificates)
mkdir -p "$work/rootfs"
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/rootfs"; done

kiln copy "dir:$work/rootfs" "oci:$work/layout:demo"
kiln inspect "oci:$work/layout:demo"
kiln copy "oci:$work/layout:demo" "docker-archive:$work/demo.tar:demo:1"
kiln inspect --format json "docker-archive:$work/demo.tar" | head -n 20
kiln inspect --files "oci:$work/layout:demo" | tail -n 15
