#!/usr/bin/env bash
# Installs every test dependency (Debian, PyPI and npm packages) and runs the whole
# suite: formatting, lints, and every test, interop tests against the real tools included.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Tools the tests start or compare against. Each test that needs one fails loudly
# without it, so this list is the whole truth of what the suite needs.
APT_PACKAGES=(docker-registry skopeo umoci hyperfine mmdebstrap dpkg-dev apt-utils rpm db5.3-util openssl ca-certificates golang-go default-jdk-headless git gnupg)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The registry package starts a system service on install; the tests start their own.
as_root systemctl disable --now docker-registry >/dev/null 2>&1 || true

# Validators and peer tools (SPDX and CycloneDX validators, Syft, Trivy), pinned.
python3 -m pip install -q -r requirements-test.txt

# Sigstore's JavaScript verifier (checks the bundles kiln writes), versions pinned in
# interop/sigstore-js/package.json and locked with integrity hashes (no registry URLs) in
# its package-lock.json, which `npm ci` enforces. Node and npm come from Debian when missing.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
npm ci --prefix interop/sigstore-js --silent --no-audit --no-fund
# OWASP cdxgen, whose CycloneDX documents `kiln scan` must read, pinned the same way
# (interop/cdxgen), without its optional platform binaries.
npm ci --prefix interop/cdxgen --omit=optional --silent --no-audit --no-fund

# Public Sigstore test vectors (real bundles and trusted roots, see
# interop/sigstore-vectors.txt), fetched as pinned, hash-checked sdists into a cache
# outside the repository. The keyless tests read them from KILN_SIGSTORE_VECTORS and
# fail loudly without it.
# The cache is refetched whenever the pinned list changes (its hash is the stamp).
KILN_SIGSTORE_VECTORS="${XDG_CACHE_HOME:-$HOME/.cache}/kiln-test/sigstore-vectors"
vectors_stamp=$(sha256sum interop/sigstore-vectors.txt | cut -d' ' -f1)
if [ "$(cat "$KILN_SIGSTORE_VECTORS/.complete" 2>/dev/null)" != "$vectors_stamp" ]; then
  sdists=$(mktemp -d)
  python3 -m pip download -q --no-deps --no-binary :all: --require-hashes \
    -r interop/sigstore-vectors.txt -d "$sdists"
  rm -rf "$KILN_SIGSTORE_VECTORS" && mkdir -p "$KILN_SIGSTORE_VECTORS"
  for f in "$sdists"/*.tar.gz; do tar -xzf "$f" -C "$KILN_SIGSTORE_VECTORS"; done
  rm -rf "$sdists"
  echo "$vectors_stamp" > "$KILN_SIGSTORE_VECTORS/.complete"
fi
export KILN_SIGSTORE_VECTORS

# A skopeo with sigstore signing (bookworm's has it disabled), fetched from Debian's
# trixie into a cache outside the repository; the skopeo sigstore tests fail loudly
# without KILN_SKOPEO_SIGSTORE.
KILN_SKOPEO_SIGSTORE="$(scripts/peer-skopeo.sh)"
export KILN_SKOPEO_SIGSTORE

if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install --locked cargo-nextest --version 0.9.143
fi
# Builds the real cargo-auditable binary the Rust cataloger's test reads.
if ! cargo auditable --version >/dev/null 2>&1; then
  cargo install --locked cargo-auditable --version 0.7.7
fi

# A CI machine builds once from scratch: incremental state would only take disk.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# Doc tests are not run by nextest; they go first so the suite's summary closes the log.
cargo test --workspace --locked --doc
cargo nextest run --workspace --locked --no-fail-fast
