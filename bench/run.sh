#!/usr/bin/env bash
# Times kiln against its peers on the same inputs in one run (hyperfine), checks that
# the results agree, and rewrites BENCHMARKS.md with the ratios and the method.
#
#   bash bench/run.sh            all benchmarks
#   RUNS=10 bash bench/run.sh    more runs per command
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-5}
OUT=$ROOT/bench/out
rm -rf "$OUT"; mkdir -p "$OUT"

for tool in hyperfine skopeo umoci docker-registry; do
  command -v "$tool" >/dev/null || { echo "bench needs $tool: run scripts/test.sh first" >&2; exit 2; }
done
cargo build --release --locked -p kiln-cli
KILN=$ROOT/target/release/kiln

# --- A local registry on a free loopback port ----------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$OUT/registry"
cat > "$OUT/registry/config.yml" <<CONF
version: 0.1
log: { level: error }
storage: { filesystem: { rootdirectory: $OUT/registry/data }, delete: { enabled: true } }
http: { addr: 127.0.0.1:$port }
CONF
docker-registry serve "$OUT/registry/config.yml" > "$OUT/registry/log" 2>&1 &
REGISTRY_PID=$!
trap 'kill $REGISTRY_PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1])" "http://127.0.0.1:$port/v2/" 2>/dev/null && break; sleep 0.1; done
REG=127.0.0.1:$port

# --- A multi-layer image from real files of this machine, built with umoci -----------
# Six layers of the host's own files (interpreters, libraries, docs, locales), about
# 400 MB uncompressed, as application images have.
img=$OUT/image
umoci init --layout "$img" && umoci new --image "$img:bench"
for d in /usr/lib/python3 /usr/share/perl /usr/lib/gcc /usr/share/doc /usr/share/locale /usr/share/zoneinfo; do
  [ -d "$d" ] && umoci insert --rootless --image "$img:bench" "$d" "$d" >/dev/null
done
skopeo copy -q --dest-tls-verify=false "oci:$img:bench" "docker://$REG/bench:1"
layers=$(skopeo inspect --tls-verify=false "docker://$REG/bench:1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["Layers"]))')
size=$(du -sb "$img/blobs" | cut -f1)

# --- copy: registry -> OCI layout ----------------------------------------------------
hyperfine --runs "$RUNS" --warmup 1 --export-json "$OUT/copy.json" \
  --prepare "rm -rf $OUT/k $OUT/s" \
  -n kiln "$KILN copy -q registry:$REG/bench:1 oci:$OUT/k:1" \
  -n skopeo "skopeo copy -q --src-tls-verify=false docker://$REG/bench:1 oci:$OUT/s:1"
"$KILN" copy -q "registry:$REG/bench:1" "oci:$OUT/k:1" >/dev/null
skopeo copy -q --src-tls-verify=false "docker://$REG/bench:1" "oci:$OUT/s:1"
kd=$("$KILN" inspect -f json "oci:$OUT/k:1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])')
sd=$(skopeo inspect --raw "oci:$OUT/s:1" | sha256sum | cut -d' ' -f1)
agree=no; [ "$kd" = "sha256:$sd" ] && agree=yes

python3 "$ROOT/bench/report.py" "$OUT" "$layers" "$size" "$agree" > "$ROOT/BENCHMARKS.md"
# Advisory import and scan (their own script, runnable alone: bench/vuln.sh import|scan).
KILN=$KILN RUNS=$RUNS bash "$ROOT/bench/vuln.sh" all
cat "$ROOT/BENCHMARKS.md"
