//! Python metadata as pip and setuptools write it.

use kiln_test::fixture::LayerSpec;
use kiln_types::{License, PackageKind};

use super::{by_purl, ids};
use crate::lang::python::{classifier_license, headers};
use crate::testfs::{DEBIAN_OS_RELEASE, inventory};

const SITE: &str = "/usr/local/lib/python3.11/site-packages";

const URLLIB3: &str = "Metadata-Version: 2.3\n\
Name: urllib3\nVersion: 2.2.1\n\
Summary: HTTP library with thread-safe connection pooling, file post, and more.\n\
Project-URL: Changelog, https://github.com/urllib3/urllib3/blob/main/CHANGES.rst\n\
Author-email: Andrey Petrov <andrey.petrov@shazow.net>\n\
License-Expression: MIT\nLicense-File: LICENSE.txt\n\
Classifier: Environment :: Web Environment\n\
Classifier: License :: OSI Approved :: Apache Software License\n\
Requires-Python: >=3.8\n\
Provides-Extra: brotli\n\
Requires-Dist: brotli>=1.0.9; (platform_python_implementation == 'CPython') and extra == 'brotli'\n\
Description-Content-Type: text/markdown\n\n\
<h1 align=\"center\">\n\nLicense: GPL\n";

const JINJA2: &str = "Metadata-Version: 2.1\nName: Jinja2\nVersion: 3.1.4\n\
Summary: A very fast and expressive template engine.\n\
Maintainer-email: Pallets <contact@palletsprojects.com>\n\
Requires-Python: >=3.7\n\
Classifier: Development Status :: 5 - Production/Stable\n\
Classifier: License :: OSI Approved :: BSD License\n\
Classifier: Operating System :: OS Independent\n\
Requires-Dist: MarkupSafe>=2.0\n";

const PYYAML: &str = "Metadata-Version: 2.1\nName: PyYAML\nVersion: 5.3.1\n\
Summary: YAML parser and emitter for Python\nHome-page: https://github.com/yaml/pyyaml\n\
Author: Kirill Simonov\nAuthor-email: xi@resolvent.net\nLicense: MIT\n\
Platform: Any\nClassifier: License :: OSI Approved :: MIT License\n";

const RECORD: &str = "urllib3/__init__.py,sha256=JMo1tg1nIV1AeJ2vENC_Txfl0e5h6Gzl9DGVk1rWRbo,6979\n\
urllib3/_base_connection.py,sha256=p-DOG_Me7-sJXO1R9VgDpNmdVU_kIS8VtaC7ptEllA0,5568\n\
urllib3-2.2.1.dist-info/METADATA,sha256=uROmjQwfAbwRYjV9PMdc5JF5NA3kRkpoKafPkNzybfc,6434\n\
urllib3-2.2.1.dist-info/RECORD,,\n";

#[test]
fn dist_info_egg_info_and_licences() {
    let layer = LayerSpec::new()
        .file(
            &format!("{SITE}/urllib3-2.2.1.dist-info/METADATA"),
            URLLIB3.as_bytes(),
            0o644,
        )
        .file(
            &format!("{SITE}/urllib3-2.2.1.dist-info/RECORD"),
            RECORD.as_bytes(),
            0o644,
        )
        .file(
            &format!("{SITE}/Jinja2-3.1.4.dist-info/METADATA"),
            JINJA2.as_bytes(),
            0o644,
        )
        .file(
            &format!("{SITE}/PyYAML-5.3.1-py3.11.egg-info/PKG-INFO"),
            PYYAML.as_bytes(),
            0o644,
        )
        .file(
            &format!("{SITE}/six-1.16.0-py3.11.egg-info"),
            b"Metadata-Version: 1.2\nName: six\nVersion: 1.16.0\nLicense: MIT\n",
            0o644,
        )
        .file(
            &format!("{SITE}/broken-1.0.dist-info/METADATA"),
            b"\xff\xfe\x00garbage\n",
            0o644,
        );
    let inv = inventory(&[LayerSpec::new(), layer]);
    assert_eq!(
        ids(&inv, PackageKind::Python),
        [
            "Jinja2@3.1.4",
            "PyYAML@5.3.1",
            "six@1.16.0",
            "urllib3@2.2.1"
        ]
    );
    let u = by_purl(&inv, "pkg:pypi/urllib3@2.2.1");
    assert_eq!(u.licenses, [License::Expression("MIT".into())]);
    assert_eq!(u.layer, Some(1));
    assert_eq!(u.file_count, 4);
    assert_eq!(u.locations.len(), 2);
    assert!(u.locations[1].path.ends_with("/RECORD"));
    let j = by_purl(&inv, "pkg:pypi/jinja2@3.1.4");
    assert_eq!(j.licenses, [License::Expression("LicenseRef-BSD".into())]);
    let y = by_purl(&inv, "pkg:pypi/pyyaml@5.3.1");
    assert_eq!(y.licenses, [License::Expression("MIT".into())]);
    assert_eq!(y.supplier.as_deref(), Some("Kirill Simonov"));
    assert_eq!(inv.warnings.len(), 1, "{:?}", inv.warnings);
    assert!(inv.warnings[0].contains("broken-1.0.dist-info/METADATA"));
}

#[test]
fn files_dpkg_owns_are_not_reported_again() {
    let dist = "/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA";
    let status = "Package: python3-six\nStatus: install ok installed\nArchitecture: all\n\
Version: 1.16.0-4\nSource: six\n\n";
    let list = format!("/.\n/usr\n/usr/lib/python3/dist-packages\n{dist}\n");
    let base = LayerSpec::new()
        .file("/etc/os-release", DEBIAN_OS_RELEASE.as_bytes(), 0o644)
        .file("/var/lib/dpkg/status", status.as_bytes(), 0o644)
        .file(
            "/var/lib/dpkg/info/python3-six.list",
            list.as_bytes(),
            0o644,
        )
        .file(
            dist,
            b"Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n",
            0o644,
        );
    let pip = LayerSpec::new().file(
        &format!("{SITE}/six-1.16.0.dist-info/METADATA"),
        b"Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n",
        0o644,
    );
    let inv = inventory(&[base, pip]);
    assert_eq!(ids(&inv, PackageKind::Deb), ["python3-six@1.16.0-4"]);
    let py: Vec<_> = inv
        .packages
        .iter()
        .filter(|p| p.kind == PackageKind::Python)
        .collect();
    assert_eq!(py.len(), 1, "only the pip copy: {py:#?}");
    assert!(py[0].locations[0].path.starts_with(SITE));
    assert_eq!(py[0].layer, Some(1));
}

#[test]
fn headers_and_classifiers() {
    let h = headers("Name: a\nLicense: line one\n        line two\nVersion: 1\n\nName: body\n");
    assert_eq!(h.len(), 3);
    assert_eq!(h[1].1, "line one\nline two");
    assert_eq!(
        classifier_license("License :: OSI Approved :: Apache Software License"),
        Some("Apache-2.0")
    );
    assert_eq!(classifier_license("Topic :: Software Development"), None);
}

proptest::proptest! {
    #[test]
    fn headers_never_panic(text in "\\PC*") {
        let _ = headers(&text);
    }
}
