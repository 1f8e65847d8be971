"""Writes BENCHMARKS.md from hyperfine's JSON exports in bench/out."""
import json
import os
import platform
import subprocess
import sys

out, layers, size, agree = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]


def version(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
    except Exception:  # a missing tool is reported as such
        return "unknown"


def results(name):
    with open(os.path.join(out, name)) as f:
        return {r["command"]: r for r in json.load(f)["results"]}


copy = results("copy.json")
k, s = copy["kiln"], copy["skopeo"]
cpu = "unknown"
with open("/proc/cpuinfo") as f:
    for line in f:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break

print(f"""# Benchmarks

Numbers from `bench/run.sh`, which times kiln and its peers on the same inputs in one run
with hyperfine and checks that their results agree. Ratios above 1 mean kiln is faster.
Re-run with `bash bench/run.sh` after `bash scripts/test.sh` has installed the tools.

Machine: {os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}.
Tools: {version(["skopeo", "--version"])}; {version(["hyperfine", "--version"])}.

## kiln copy vs skopeo copy: registry to OCI layout

Input: a {layers}-layer image ({size / 1e6:.0f} MB of gzip blobs) built with umoci from this
machine's own files, pushed to a local `docker-registry` (distribution 2.8) on 127.0.0.1.
Each run copies it into a fresh OCI layout; median of the runs after one warm-up.

| tool | median (s) | mean ± σ (s) | ratio (skopeo / kiln) |
|---|---|---|---|
| kiln | {k["median"]:.3f} | {k["mean"]:.3f} ± {k["stddev"]:.3f} | {s["median"] / k["median"]:.2f} |
| skopeo | {s["median"]:.3f} | {s["mean"]:.3f} ± {s["stddev"]:.3f} | 1.00 |

Results agree (same manifest digest in both layouts): **{agree}**.
Goal (issue 2): kiln at least as fast as skopeo.""")
