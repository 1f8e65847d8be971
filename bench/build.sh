#!/usr/bin/env bash
# kiln build vs mmdebstrap: the python example (examples/python.yaml), one architecture,
# from a warm package cache, against mmdebstrap making a root of the same packages.
# Uses the network (the host's own Debian mirror, read from its apt sources); not a test.
#
#   bash bench/build.sh              run, then splice the section into BENCHMARKS.md
#   KILN=path/to/kiln bash bench/build.sh
#
# The spec's sources are the host's deb822 entry for its release's main suite (the
# suite named by VERSION_CODENAME in /etc/os-release), with that entry's keyring, so
# the same mirror serves both tools.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-5}
OUT=$ROOT/bench/out/build
rm -rf "$OUT"; mkdir -p "$OUT"
for tool in hyperfine mmdebstrap; do
  command -v "$tool" >/dev/null || { echo "bench build needs $tool (apt-get install $tool)" >&2; exit 2; }
done
if [ -z "${KILN:-}" ]; then
  cargo build --release --locked -p kiln-cli
  KILN=$ROOT/target/release/kiln
fi
ARCH=$(dpkg --print-architecture)

# The host's main-suite source: URI and keyring.
read -r MIRROR KEYRING SUITE < <(python3 - <<'PY'
import glob, re
codename = next(l.split("=", 1)[1].strip().strip('"') for l in open("/etc/os-release")
                if l.startswith("VERSION_CODENAME="))
for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
    for para in open(path).read().split("\n\n"):
        fields = dict(re.findall(r"^([\w-]+):\s*(.*)$", para, re.M))
        if codename in fields.get("Suites", "").split() and "main" in fields.get("Components", "").split():
            print(fields["URIs"].split()[0], fields.get("Signed-By", "/usr/share/keyrings/debian-archive-keyring.gpg"), codename)
            raise SystemExit
raise SystemExit("no deb822 source for the main suite of this release in /etc/apt/sources.list.d")
PY
)

# The example with that source and this architecture only.
python3 - "$ROOT/examples/python.yaml" "$OUT/python.yaml" "$MIRROR" "$SUITE" "$KEYRING" "$ARCH" <<'PY'
import sys
src, dst, mirror, suite, keyring, arch = sys.argv[1:]
text = open(src).read().replace("architectures: [amd64, arm64]", f"architectures: [{arch}]")
head = f"sources:\n  - uris: [{mirror}]\n    suites: [{suite}]\n    components: [main]\n    signed-by: {keyring}\n"
open(dst, "w").write(head + text)
PY

CACHE=$OUT/kiln-cache
"$KILN" -q lock "$OUT/python.yaml" -o "$OUT/kiln.lock" --cache-dir "$CACHE"
# Warm the cache once (downloads every .deb), then time builds from the lock.
"$KILN" -q build "$OUT/python.yaml" --lock "$OUT/kiln.lock" --cache-dir "$CACHE" --output "oci:$OUT/kiln-image:py" > "$OUT/digest"
PACKAGES=$(python3 -c 'import json,sys; print(",".join(p["name"] for p in json.load(open(sys.argv[1]))["architectures"][sys.argv[2]]))' "$OUT/kiln.lock" "$ARCH")
COUNT=$(echo "$PACKAGES" | tr ',' '\n' | wc -l)

# mmdebstrap keeps the .debs it downloads in a warm cache outside the chroot (synced in
# by a setup hook and out by a customize hook, with --skip=download/empty, as its manual
# shows), so later runs do not download them again; it still fetches and verifies the
# indexes every run, as it always does. Two variants: extract (unpack the same packages,
# no maintainer scripts: what kiln does) and essential (the Essential: yes packages plus
# these, scripts run: a root dpkg considers installed).
MMCACHE=$OUT/mm-cache; mkdir -p "$MMCACHE"
cat > "$OUT/mm.sh" <<MM
#!/usr/bin/env bash
# mm.sh VARIANT OUTPUT.tar
set -euo pipefail
exec mmdebstrap -q --mode=root --arch="$ARCH" --variant="\$1" --include="$PACKAGES" \\
  --components=main --keyring="$KEYRING" --skip=download/empty \\
  --setup-hook='mkdir -p "\$1"/var/cache/apt/archives/' \\
  --setup-hook='sync-in "$MMCACHE" /var/cache/apt/archives/' \\
  --customize-hook='sync-out /var/cache/apt/archives "$MMCACHE"' \\
  "$SUITE" "\$2" "$MIRROR"
MM
bash "$OUT/mm.sh" extract "$OUT/mm-extract.tar"
bash "$OUT/mm.sh" essential "$OUT/mm-essential.tar"

hyperfine --runs "$RUNS" --warmup 1 --export-json "$OUT/build.json" \
  --prepare "rm -rf $OUT/k $OUT/mm-x.tar $OUT/mm-e.tar" \
  -n "kiln build (warm cache)" "$KILN -q build $OUT/python.yaml --lock $OUT/kiln.lock --cache-dir $CACHE --output oci:$OUT/k:py" \
  -n "mmdebstrap --variant=extract" "bash $OUT/mm.sh extract $OUT/mm-x.tar" \
  -n "mmdebstrap --variant=essential" "bash $OUT/mm.sh essential $OUT/mm-e.tar"

# The image kiln built runs the example's check under chroot.
"$KILN" -q copy "oci:$OUT/kiln-image:py" "dir:$OUT/root"
RUNS_OK=$(chroot "$OUT/root" /usr/bin/python3 -c "import ssl, json, sqlite3; print('ok')" 2>&1 || true)
kiln_size=$(du -sb "$OUT/kiln-image/blobs" | cut -f1)
# The attack surface against the essential root (the same packages, installed the usual
# way), as `kiln inspect --attack-surface` counts it.
mkdir -p "$OUT/essential-root" && tar -xf "$OUT/mm-essential.tar" -C "$OUT/essential-root"
"$KILN" -q inspect --attack-surface "oci:$OUT/kiln-image:py" --baseline "dir:$OUT/essential-root" \
  | tail -n +3 > "$OUT/surface.txt"
essential_count=$(tar -xOf "$OUT/mm-essential.tar" ./var/lib/dpkg/status | grep -c '^Package: ')
python3 - "$OUT/build.json" "$COUNT" "$essential_count" "$RUNS_OK" "$kiln_size" "$(cat "$OUT/digest")" > "$OUT/build.md" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
count, essential, runs_ok, size, digest = sys.argv[2:]
kiln = results["kiln build (warm cache)"]
print("## kiln build vs mmdebstrap: the python example from a warm cache\n")
print("Input: `examples/python.yaml` for this machine's architecture, its sources set to the")
print("host's own Debian mirror for the release's main suite (read from the host's apt")
print("configuration by `bench/build.sh`). `kiln lock` resolves it to %s packages; every" % count)
print("timed kiln run builds the OCI image (hardened root, passwd, CA links, status.d,")
print("ld.so.cache, gzip layer, config, manifest) from that lock with every `.deb` already in")
print("its cache. mmdebstrap gets the same package list and keeps its downloaded `.deb`s")
print("between runs; it fetches and checks the archive indexes on every run, as it always")
print("does. `--variant=extract` only unpacks the packages (no maintainer scripts, as kiln);")
print("`--variant=essential` adds the Essential packages (%s packages in all) and runs the" % essential)
print("maintainer scripts.")
print("Median of %d runs after one warm-up (`bash bench/build.sh` re-runs only this one).\n" % len(kiln["times"]))
print("| command | median (s) | mean ± σ (s) | kiln faster by |")
print("|---|---|---|---|")
for name, r in results.items():
    ratio = r["median"] / kiln["median"]
    print("| %s | %.3f | %.3f ± %.3f | %s |" % (name, r["median"], r["mean"], r["stddev"] or 0.0,
          "—" if r is kiln else "%.1f×" % ratio))
print("\nkiln's image: %s, %.1f MB of blobs; under chroot, `python3 -c \"import ssl, json, sqlite3\"`" % (digest, int(size) / 1e6))
print("printed `%s`." % runs_ok.strip())
print("\nAttack surface (`kiln inspect --attack-surface IMAGE --baseline dir:ROOT`), kiln's image")
print("against the root `mmdebstrap --variant=essential` made of the same packages:\n")
print("```")
print(open(sys.argv[1].replace("build.json", "surface.txt")).read().rstrip())
print("```")
print("\nGoal (issue 6): the python example builds from a warm cache in under 3 s: **%s**." % (
    "met" if kiln["median"] < 3.0 and runs_ok.strip() == "ok" else "not met"))
PY
python3 - "$ROOT/BENCHMARKS.md" "$OUT/build.md" <<'PY'
import re, sys
path, section = sys.argv[1], open(sys.argv[2]).read().rstrip("\n") + "\n"
text = open(path).read()
heading = "## kiln build vs mmdebstrap"
if heading in text:
    before, rest = text.split(heading, 1)
    after = re.search(r"\n## ", rest)
    text = before + section + ("\n" + rest[after.start() + 1:] if after else "")
else:
    text = text.rstrip("\n") + "\n\n" + section
open(path, "w").write(text)
PY
cat "$OUT/build.md"
