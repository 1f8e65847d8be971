#!/usr/bin/env bash
# Fetches a skopeo built with sigstore support from Debian's own archive and prints the
# path of a launcher for it. Bookworm's skopeo (1.9) is built with sigstore signing
# disabled by a Debian patch, dropped in 1.13.3+ds1-2; trixie's skopeo has it. That
# binary needs glibc 2.38 (bookworm has 2.36), so the launcher runs it with trixie's own
# dynamic loader and libraries, unpacked into a cache directory outside the repository:
# nothing is installed system-wide.
#
# The archive's address is the one the host's apt sources name; apt checks the suite's
# InRelease against the host's debian-archive-keyring. The cache is reused once complete.
#
# Usage: export KILN_SKOPEO_SIGSTORE="$(scripts/peer-skopeo.sh)"
set -euo pipefail

SUITE=trixie
PACKAGES=(skopeo libc6 libgcc-s1 libgpgme11t64 libassuan9 libgpg-error0 libsqlite3-0)
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/kiln-test/skopeo-sigstore"
LAUNCHER="$CACHE/bin/skopeo"
stamp="$SUITE ${PACKAGES[*]}"

if [ "$(cat "$CACHE/.complete" 2>/dev/null)" = "$stamp" ] && "$LAUNCHER" --version >/dev/null 2>&1; then
  echo "$LAUNCHER"
  exit 0
fi

# The host's Debian archive (not the security archive): deb822 `URIs:` or one-line `deb`.
mirror=$(
  {
    cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '$1 == "URIs:" { for (i = 2; i <= NF; i++) print $i }'
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; break } }'
  } | grep -v -- '-security' | head -n1 || true
)
[ -n "$mirror" ] || { echo "peer-skopeo: no Debian archive in the host's apt sources" >&2; exit 1; }
[ -f "$KEYRING" ] || { echo "peer-skopeo: $KEYRING missing (apt-get install debian-archive-keyring)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/parts" "$work/debs" "$work/root"
echo "deb [signed-by=$KEYRING] $mirror $SUITE main" > "$work/sources.list"
apt_opts=(
  -o "Dir::Etc::sourcelist=$work/sources.list"
  -o "Dir::Etc::sourceparts=$work/parts"
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache=$work/cache"
  -o Debug::NoLocking=1
  -o APT::Sandbox::User=
)
apt-get "${apt_opts[@]}" -qq update >&2
specs=()
for p in "${PACKAGES[@]}"; do specs+=("$p/$SUITE"); done
(cd "$work/debs" && apt-get "${apt_opts[@]}" -qq download "${specs[@]}" >&2)
for deb in "$work/debs"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done

rm -rf "$CACHE" && mkdir -p "$CACHE/bin"
mv "$work/root" "$CACHE/root"
lib="$CACHE/root/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)"
loader=$(ls "$lib"/ld-linux*.so.* | head -n1)
cat > "$LAUNCHER" <<EOF
#!/bin/sh
exec "$loader" --library-path "$lib" "$CACHE/root/usr/bin/skopeo" "\$@"
EOF
chmod +x "$LAUNCHER"
if ! "$LAUNCHER" copy --help | grep -q -- --sign-by-sigstore-private-key; then
  echo "peer-skopeo: $SUITE's skopeo has no sigstore signing" >&2
  exit 1
fi
echo "$stamp" > "$CACHE/.complete"
echo "peer-skopeo: $("$LAUNCHER" --version) from $SUITE" >&2
echo "$LAUNCHER"
