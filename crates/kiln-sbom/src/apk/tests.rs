//! The apk cataloger on an installed database written to apk's format by hand (Alpine
//! packages cannot be downloaded here).

use kiln_test::fixture::LayerSpec;
use kiln_types::{License, RelationshipKind};

use crate::testfs::inventory;

const INSTALLED: &str = "\
C:Q1hbHo3N1i5OA+t+QUnkiZz0Z4oY0=
P:musl
V:1.2.5-r0
A:x86_64
S:411034
I:655360
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Natanael Copa <ncopa@alpinelinux.org>
t:1711466154
c:1a0a5d4bd6c4e0e46ee5b2bbe8ff4d3fd5ee1b42
p:so:libc.musl-x86_64.so.1=1
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1Ekc+N5l6ysVDXHJGhadHgfdvdP0=
R:libc.musl-x86_64.so.1
a:0:0:777
Z:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=

C:Q1Rk1nh5U/mbMGzWdmWE8jHl9yCGk=
P:libcrypto3
V:3.3.1-r0
A:x86_64
L:Apache-2.0
o:openssl
m:Ariadne Conill <ariadne@dereferenced.org>
D:so:libc.musl-x86_64.so.1
p:so:libcrypto.so.3=3
F:usr
F:usr/lib
R:libcrypto.so.3

C:Q1abc
P:busybox
V:1.36.1-r29
A:x86_64
L:GPL-2.0-only
o:busybox
D:so:libc.musl-x86_64.so.1 !busybox-extras
F:bin
R:busybox
F:etc
R:securetty

C:Q1def
P:scanelf
V:1.3.7-r2
L:GPL-2.0-only something
D:musl>=1.2

P:
V:1
";

#[test]
fn installed_database_packages_origins_files_and_dependencies() {
    let layer = LayerSpec::new()
        .file(
            "/etc/os-release",
            b"NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.1\n",
            0o644,
        )
        .file("/lib/apk/db/installed", INSTALLED.as_bytes(), 0o644);
    let inv = inventory(&[layer]);
    let names: Vec<_> = inv
        .packages
        .iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect();
    assert_eq!(
        names,
        [
            "busybox@1.36.1-r29",
            "libcrypto3@3.3.1-r0",
            "musl@1.2.5-r0",
            "scanelf@1.3.7-r2"
        ]
    );
    let crypto = &inv.packages[1];
    assert_eq!(
        crypto.purl.to_string(),
        "pkg:apk/alpine/libcrypto3@3.3.1-r0?arch=x86_64&distro=alpine-3.20.1&upstream=openssl"
    );
    assert_eq!(crypto.source.as_ref().unwrap().name, "openssl");
    assert_eq!(crypto.licenses, [License::Expression("Apache-2.0".into())]);
    assert_eq!(
        inv.packages[3].licenses,
        [License::Raw("GPL-2.0-only something".into())]
    );
    assert!(inv.owned_paths.contains("/lib/ld-musl-x86_64.so.1"));
    assert!(inv.owned_paths.contains("/usr/lib/libcrypto.so.3"));
    assert!(inv.owned_paths.contains("/etc/securetty"));
    let musl = inv.packages[2].id();
    let deps: Vec<_> = inv
        .relationships
        .iter()
        .filter(|r| r.kind == RelationshipKind::DependsOn && r.to == musl)
        .map(|r| {
            inv.packages
                .iter()
                .find(|p| p.id() == r.from)
                .unwrap()
                .name
                .as_str()
        })
        .collect();
    assert_eq!(
        deps.len(),
        3,
        "libcrypto3 and busybox via so:, scanelf by name: {deps:?}"
    );
    assert!(
        inv.warnings.iter().any(|w| w.contains("without P or V")),
        "{:?}",
        inv.warnings
    );
}

proptest::proptest! {
    #[test]
    fn parsing_never_panics(s in "[PVAoLmDpFR:a-z0-9 .\n/=<>~!-]{0,300}") {
        let _ = super::parse(&s);
    }
}
