#!/usr/bin/env python3
"""Per-ecosystem accuracy of `kiln sbom` against Syft and Trivy on the fixture images,
from the CycloneDX documents each tool wrote for the OCI layout in the bench run.

Each package is keyed `name@version` from its purl, as the tests key them: Python names
in PEP 503 form, Go's toolchain without its `go`/`v` prefix and a Go module without a
version as `(devel)` (Trivy's way of writing it), epochs joined to deb and rpm versions.
A package a peer lists and kiln does not is explained when the file the peer found it by
is installed by a Debian package (listed in the image's `var/lib/dpkg/info/*.list`): kiln
reports those files once, as the Debian package, as Trivy does, where Syft lists them a
second time. Anything else is listed as unexplained.

    sbom_accuracy.py OUT_DIR FIXTURES_DIR SIZE...   print the subsection
"""
import collections
import glob
import json
import os
import re
import sys
import urllib.parse

TOOLS = ["kiln", "syft", "trivy"]


def key(purl):
    """(purl type, name@version) of a purl, normalised as described above."""
    body, _, qualifiers = purl[len("pkg:"):].partition("?")
    body = body.split("#")[0]
    ty, _, path = body.partition("/")
    name, _, version = path.rpartition("@") if "@" in path else (path, "", "")
    name, version = urllib.parse.unquote(name), urllib.parse.unquote(version)
    q = dict(p.split("=", 1) for p in qualifiers.split("#")[0].split("&") if "=" in p)
    if ty in ("deb", "rpm", "apk"):
        name = name.split("/")[-1]
        if "epoch" in q and ":" not in version:
            version = f"{q['epoch']}:{version}"
    if ty == "pypi":
        name = re.sub(r"[-_.]+", "-", name).lower()
    if ty == "golang":
        if name == "stdlib":
            version = version.lstrip("gov")
        elif not version:
            version = "(devel)"
    return ty, f"{name}@{version}"


def packages(path):
    """{purl type: {name@version: [paths the tool found it at]}} of a CycloneDX file."""
    found = collections.defaultdict(dict)

    def walk(components):
        for c in components or []:
            if c.get("purl"):
                ty, k = key(c["purl"])
                paths = [p["value"] for p in c.get("properties", [])
                         if re.fullmatch(r"syft:location:\d+:path|kiln:location:\d+", p["name"])]
                found[ty].setdefault(k, []).extend(paths)
            walk(c.get("components"))

    walk(json.load(open(path)).get("components"))
    return found


def dpkg_owned(root):
    owned = set()
    for lst in glob.glob(os.path.join(root, "var/lib/dpkg/info/*.list")):
        owned.update(line.rstrip("\n") for line in open(lst, errors="replace"))
    return owned


def owned_by_dpkg(paths, owned):
    """Whether one of `paths` is a file a Debian package installed (merged /usr either way)."""
    for p in paths:
        for candidate in (p, "/usr" + p, p[len("/usr"):] if p.startswith("/usr/") else p):
            if candidate in owned:
                return True
    return False


def subsection(out, fixtures, sizes):
    lines = ["### Accuracy: the packages each tool finds", ""]
    lines.append(
        "Per ecosystem, on the OCI layout of each image: how many `name@version`s each tool "
        "lists, how many of the peers' (Syft's and Trivy's together) kiln lists too, and why "
        "any other is not in kiln's document. Computed by `bench/sbom_accuracy.py` from the "
        "documents of this run (its docstring has the method); the tests keep the same "
        "comparison on small images (`crates/kiln-cli/tests/it/sbom*.rs`)."
    )
    lines.append("")
    lines.append("| image | ecosystem | kiln | Syft | Trivy | peers' | also in kiln | not in kiln: files of a Debian package | not in kiln: unexplained |")
    lines.append("|---|---|---|---|---|---|---|---|---|")
    unexplained_all = []
    for size in sizes:
        docs = {t: os.path.join(out, f"{size}-oci-{t}.cdx.json") for t in TOOLS}
        if not all(os.path.exists(p) for p in docs.values()):
            continue
        found = {t: packages(p) for t, p in docs.items()}
        owned = dpkg_owned(os.path.join(fixtures, "build", size, "rootfs"))
        for ty in sorted(set().union(*(found[t].keys() for t in TOOLS))):
            kiln, syft, trivy = (found[t].get(ty, {}) for t in TOOLS)
            peers = set(syft) | set(trivy)
            missing = sorted(peers - set(kiln))
            dpkg = [m for m in missing if owned_by_dpkg(syft.get(m, []) + trivy.get(m, []), owned)]
            other = [m for m in missing if m not in dpkg]
            unexplained_all += [f"{size} {ty} {m}" for m in other]
            lines.append(
                f"| {size} | {ty} | {len(kiln)} | {len(syft)} | {len(trivy)} | {len(peers)} "
                f"| {len(peers) - len(missing)} | {len(dpkg)} | {len(other)} |"
            )
    lines.append("")
    lines.append("Unexplained: " + (", ".join(unexplained_all) if unexplained_all else "none") + ".")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(subsection(sys.argv[1], sys.argv[2], sys.argv[3:]))
