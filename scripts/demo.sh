#!/usr/bin/env bash
# Installs kiln and runs it on a real image: a root filesystem unpacked from Debian
# packages (fetched from this machine's own apt sources, recorded in a dpkg status file
# as dpkg would) becomes an OCI image, which kiln then inspects, copies into a
# docker-archive, lists file by file, and describes with an SBOM.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

cargo install --locked --path crates/kiln-cli
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

work=$(mktemp -d "${TMPDIR:-/tmp}/kiln-demo.XXXXXX")
echo "working in $work" >&2
as_root apt-get update -qq
(cd "$work" && apt-get download -qq base-files netbase tzdata ca-certificates)
root=$work/rootfs
mkdir -p "$root/var/lib/dpkg/info"
for deb in "$work"/*.deb; do
  dpkg-deb -x "$deb" "$root"
  pkg=$(dpkg-deb -f "$deb" Package)
  { dpkg-deb -f "$deb" | sed '/^Package:/a Status: install ok installed'; echo; } >> "$root/var/lib/dpkg/status"
  dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\./#/#; s#/$##; /^$/d' > "$root/var/lib/dpkg/info/$pkg.list"
done

kiln copy "dir:$root" "oci:$work/layout:demo"
kiln inspect "oci:$work/layout:demo"
kiln copy "oci:$work/layout:demo" "docker-archive:$work/demo.tar:demo:1"
kiln inspect --format json "docker-archive:$work/demo.tar" | head -n 20
kiln inspect --files "oci:$work/layout:demo" | tail -n 15
kiln sbom "oci:$work/layout:demo"
kiln sbom --format spdx-json --output "$work/demo.spdx.json" "oci:$work/layout:demo"
echo "SPDX document: $work/demo.spdx.json" >&2
