//! Distribution data wins for files a distribution package owns, for SBOM input as for
//! images: python3-six's dist-info is owned by dpkg, so six is matched by the Debian
//! record of source package six, never by the PyPI record; a pip-installed package next
//! to it is still matched in PyPI. Checked on the image, on Syft's SPDX of it (ownership
//! from its relationships), and on a CycloneDX document that nests the Python component
//! in the Debian one.

use crate::support;

use std::path::Path;

use kiln_test::fixture::{Compression, ImageBuilder, LayerSpec};
use support::tools::syft;
use support::{advisory_db, kiln, s};

const SIX_DIST: &str = "/usr/lib/python3/dist-packages/six-1.16.0.dist-info";
const SITE: &str = "/usr/local/lib/python3.11/dist-packages";

/// Hand-written records: one CVE as a Debian record and a PyPI record, and one PyPI
/// record for the pip-installed package.
fn records(dir: &Path) {
    let record = |id: &str, alias: &str, eco: &str, name: &str, fixed: &str| {
        format!(
            r#"{{"id":"{id}","modified":"2026-01-01T00:00:00Z","aliases":["{alias}"],
"affected":[{{"package":{{"ecosystem":"{eco}","name":"{name}"}},
"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"{fixed}"}}]}}]}}]}}"#
        )
    };
    std::fs::create_dir_all(dir).unwrap();
    for (file, text) in [
        (
            "DEBIAN-CVE-2099-0001.json",
            record(
                "DEBIAN-CVE-2099-0001",
                "CVE-2099-0001",
                "Debian:12",
                "six",
                "1.16.0-5",
            ),
        ),
        (
            "PYSEC-2099-1.json",
            record("PYSEC-2099-1", "CVE-2099-0001", "PyPI", "six", "1.17.0"),
        ),
        (
            "PYSEC-2099-2.json",
            record("PYSEC-2099-2", "CVE-2099-0002", "PyPI", "requests", "2.1.0"),
        ),
    ] {
        std::fs::write(dir.join(file), text).unwrap();
    }
}

fn metadata(name: &str, version: &str) -> String {
    format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n")
}

fn image(layout: &Path) {
    let status = "Package: python3-six\nStatus: install ok installed\nPriority: optional\n\
Section: python\nInstalled-Size: 62\nMaintainer: Debian Python Team <team@example.org>\n\
Architecture: all\nSource: six\nVersion: 1.16.0-4\nDescription: six\n\n";
    let layer = LayerSpec::new()
        .file(
            "/etc/os-release",
            b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
            0o644,
        )
        .file("/var/lib/dpkg/status", status.as_bytes(), 0o644)
        .file(
            "/var/lib/dpkg/info/python3-six.list",
            format!("/.\n/usr\n/usr/lib\n{SIX_DIST}\n{SIX_DIST}/METADATA\n").as_bytes(),
            0o644,
        )
        .file(
            "/var/lib/dpkg/info/python3-six.md5sums",
            format!(
                "d41d8cd98f00b204e9800998ecf8427e  {}/METADATA\n",
                &SIX_DIST[1..]
            )
            .as_bytes(),
            0o644,
        )
        .file(
            &format!("{SIX_DIST}/METADATA"),
            metadata("six", "1.16.0").as_bytes(),
            0o644,
        )
        .file(
            &format!("{SITE}/requests-2.0.0.dist-info/METADATA"),
            metadata("requests", "2.0.0").as_bytes(),
            0o644,
        );
    ImageBuilder::new()
        .platform("linux", "amd64")
        .layer(layer, Compression::Gzip)
        .write_layout(layout, "fixture");
}

/// `(package, vulnerability)` of every finding of `kiln scan TARGET`.
fn findings(db: &str, target: &str) -> Vec<(String, String)> {
    let doc = kiln(&["scan", "--db", db, "-f", "json", target]).json();
    let mut out: Vec<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["package"]["name"].as_str().unwrap().to_owned(),
                f["evidence"][0]["record"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn distro_records_win_for_owned_files_in_images_and_sboms() {
    let dir = tempfile::tempdir().unwrap();
    records(&dir.path().join("records"));
    let db = advisory_db(dir.path(), &[s(&dir.path().join("records"))]);
    let layout = dir.path().join("layout");
    image(&layout);
    let distro_wins = [
        ("python3-six".to_owned(), "DEBIAN-CVE-2099-0001".to_owned()),
        ("requests".to_owned(), "PYSEC-2099-2".to_owned()),
    ];

    // The image: the cataloger leaves dpkg's files to dpkg.
    assert_eq!(
        findings(&db, &format!("oci:{}:fixture", s(&layout))),
        distro_wins
    );

    // Syft's SPDX lists six as a PyPI package too, and says python3-six owns it
    // (`OTHER` ownership-by-file-overlap, and `CONTAINS` of its METADATA file).
    let spdx = syft(&layout, "spdx-json");
    let spdx_file = dir.path().join("syft.spdx.json");
    std::fs::write(&spdx_file, &spdx).unwrap();
    assert_eq!(findings(&db, &s(&spdx_file)), distro_wins);
    // Each statement of ownership is enough alone; without any, six is matched in PyPI.
    let doc: serde_json::Value = serde_json::from_slice(&spdx).unwrap();
    let keep = |pred: &dyn Fn(&serde_json::Value) -> bool| {
        let mut d = doc.clone();
        d["relationships"]
            .as_array_mut()
            .unwrap()
            .retain(|r| pred(r));
        let f = dir.path().join("edited.spdx.json");
        std::fs::write(&f, serde_json::to_vec(&d).unwrap()).unwrap();
        findings(&db, &s(&f))
    };
    let overlap = |r: &serde_json::Value| {
        r["comment"]
            .as_str()
            .is_some_and(|c| c.starts_with("ownership-by-file-overlap"))
    };
    assert!(doc["relationships"].as_array().unwrap().iter().any(overlap));
    assert_eq!(keep(&|r| !overlap(r)), distro_wins, "file CONTAINS alone");
    assert_eq!(
        keep(&|r| r["relationshipType"] != "CONTAINS"),
        distro_wins,
        "ownership-by-file-overlap alone"
    );
    let mut both = distro_wins.to_vec();
    both.push(("six".to_owned(), "PYSEC-2099-1".to_owned()));
    both.sort();
    assert_eq!(
        keep(&|r| !overlap(r) && r["relationshipType"] != "CONTAINS"),
        both
    );

    // CycloneDX: a component nested in an OS package's component belongs to it.
    let nested = r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[
 {"type":"operating-system","name":"debian","version":"12"},
 {"type":"library","name":"python3-six","version":"1.16.0-4",
  "purl":"pkg:deb/debian/python3-six@1.16.0-4?arch=all&upstream=six&distro=debian-12",
  "components":[{"type":"library","name":"six","version":"1.16.0","purl":"pkg:pypi/six@1.16.0"}]},
 {"type":"library","name":"requests","version":"2.0.0","purl":"pkg:pypi/requests@2.0.0"}]}"#;
    let cdx = dir.path().join("nested.cdx.json");
    std::fs::write(&cdx, nested).unwrap();
    assert_eq!(findings(&db, &s(&cdx)), distro_wins);
    let flat = nested.replace(r#""components":[{"type""#, r#""x":[{"type""#);
    std::fs::write(&cdx, flat).unwrap();
    assert_eq!(
        findings(&db, &s(&cdx)),
        [distro_wins[0].clone(), distro_wins[1].clone()],
        "a flat document has no six at all"
    );
}
