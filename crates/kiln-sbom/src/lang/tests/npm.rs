//! npm, yarn and pnpm metadata as the tools write it.

use kiln_test::fixture::LayerSpec;
use kiln_types::{License, PackageKind};

use super::{by_purl, depends, ids};
use crate::lang::npm::{package_lock, pnpm_lock, yarn_lock};
use crate::testfs::inventory;

const APP: &str = "/srv/app";

const LOCK_V3: &str = r#"{
  "name": "app",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "app",
      "version": "1.0.0",
      "license": "ISC",
      "dependencies": { "express": "^4.17.1", "left-pad": "1.3.0" }
    },
    "node_modules/express": {
      "version": "4.17.1",
      "resolved": "https://registry.example/express/-/express-4.17.1.tgz",
      "integrity": "sha512-mHJ9O79RqluphRrcw2X/GTh3k9tVv8YcoyY4Kkh4WDMUYKRZUq0h1o0w2rrrxBqM7VoeUVqgb27xlEMXTnYt4g==",
      "dependencies": { "debug": "2.6.9" },
      "engines": { "node": ">= 0.10.0" }
    },
    "node_modules/express/node_modules/debug": {
      "version": "2.6.9",
      "dependencies": { "ms": "2.0.0" }
    },
    "node_modules/ms": { "version": "2.0.0" },
    "node_modules/left-pad": { "version": "1.3.0", "dev": true }
  }
}"#;

fn module(name: &str, version: &str, extra: &str) -> String {
    format!(r#"{{"name":"{name}","version":"{version}"{extra}}}"#)
}

#[test]
fn node_modules_and_lock_v3() {
    let layer = LayerSpec::new()
        .file(
            &format!("{APP}/package.json"),
            module("app", "1.0.0", r#","private":true,"license":"ISC""#).as_bytes(),
            0o644,
        )
        .file(
            &format!("{APP}/package-lock.json"),
            LOCK_V3.as_bytes(),
            0o644,
        )
        .file(
            &format!("{APP}/node_modules/express/package.json"),
            module(
                "express",
                "4.17.1",
                r#","license":"MIT","author":{"name":"TJ Holowaychuk"}"#,
            )
            .as_bytes(),
            0o644,
        )
        .file(
            &format!("{APP}/node_modules/express/node_modules/debug/package.json"),
            module(
                "debug",
                "2.6.9",
                r#","licenses":[{"type":"MIT","url":"x"}]"#,
            )
            .as_bytes(),
            0o644,
        )
        .file(
            &format!("{APP}/node_modules/ms/package.json"),
            module("ms", "2.0.0", "").as_bytes(),
            0o644,
        )
        .file(
            &format!("{APP}/node_modules/@types/node/package.json"),
            module("@types/node", "20.1.0", r#","license":"MIT""#).as_bytes(),
            0o644,
        )
        .file(
            &format!("{APP}/node_modules/ms/esm/package.json"),
            br#"{"type":"module"}"#,
            0o644,
        )
        .file(
            &format!("{APP}/node_modules/bad/package.json"),
            b"{\"name\": \"bad\",",
            0o644,
        );
    let inv = inventory(&[layer]);
    assert_eq!(
        ids(&inv, PackageKind::Npm),
        [
            "@types/node@20.1.0",
            "app@1.0.0",
            "debug@2.6.9",
            "express@4.17.1",
            "left-pad@1.3.0",
            "ms@2.0.0"
        ]
    );
    let express = by_purl(&inv, "pkg:npm/express@4.17.1");
    assert_eq!(express.licenses, [License::Expression("MIT".into())]);
    assert_eq!(express.supplier.as_deref(), Some("TJ Holowaychuk"));
    let debug = by_purl(&inv, "pkg:npm/debug@2.6.9");
    assert_eq!(debug.licenses, [License::Expression("MIT".into())]);
    let types = by_purl(&inv, "pkg:npm/%40types/node@20.1.0");
    assert_eq!(
        types.locations[0].path,
        format!("{APP}/node_modules/@types/node/package.json")
    );
    let left_pad = by_purl(&inv, "pkg:npm/left-pad@1.3.0");
    assert_eq!(
        left_pad.locations[0].path,
        format!("{APP}/package-lock.json")
    );
    let app = by_purl(&inv, "pkg:npm/app@1.0.0");
    let ms = by_purl(&inv, "pkg:npm/ms@2.0.0");
    assert!(depends(&inv, app, express));
    assert!(depends(&inv, app, left_pad));
    assert!(depends(&inv, express, debug));
    assert!(depends(&inv, debug, ms));
    assert_eq!(inv.relationships.len(), 4, "{:#?}", inv.relationships);
    assert_eq!(inv.warnings.len(), 1, "{:?}", inv.warnings);
    assert!(inv.warnings[0].contains("/node_modules/bad/package.json"));
}

/// Debian's node modules are the deb's files: not reported again when dpkg owns them.
#[test]
fn debian_node_modules_owned_by_dpkg() {
    let status = "Package: node-debug\nStatus: install ok installed\nArchitecture: all\n\
Version: 4.3.4+~cs4.1.7-1\n\n";
    let list = "/.\n/usr/share/nodejs/debug\n/usr/share/nodejs/debug/package.json\n";
    let layer = LayerSpec::new()
        .file("/var/lib/dpkg/status", status.as_bytes(), 0o644)
        .file("/var/lib/dpkg/info/node-debug.list", list.as_bytes(), 0o644)
        .file(
            "/usr/share/nodejs/debug/package.json",
            module("debug", "4.3.4", "").as_bytes(),
            0o644,
        )
        .file(
            "/usr/share/nodejs/local/package.json",
            module("local", "0.1.0", "").as_bytes(),
            0o644,
        );
    let inv = inventory(&[layer]);
    assert_eq!(ids(&inv, PackageKind::Deb), ["node-debug@4.3.4+~cs4.1.7-1"]);
    assert_eq!(ids(&inv, PackageKind::Npm), ["local@0.1.0"]);
}

#[test]
fn lock_v1_nested_requires() {
    let v1 = r#"{"name":"a","version":"1.0.0","lockfileVersion":1,"requires":true,
      "dependencies":{
        "accepts":{"version":"1.3.7","requires":{"mime-types":"~2.1.24"}},
        "mime-types":{"version":"2.1.24","requires":{"mime-db":"1.40.0"},
          "dependencies":{"mime-db":{"version":"1.40.0"}}},
        "mime-db":{"version":"1.52.0"}}}"#;
    let e = package_lock(v1).unwrap();
    let names: Vec<_> = e
        .iter()
        .map(|e| format!("{}@{}", e.name, e.version))
        .collect();
    assert_eq!(
        names,
        [
            "accepts@1.3.7",
            "mime-types@2.1.24",
            "mime-db@1.40.0",
            "mime-db@1.52.0"
        ]
    );
    assert_eq!(e[0].deps, [1]);
    assert_eq!(e[1].deps, [2], "the nested mime-db wins");
    assert!(package_lock("{}").is_err());
    assert!(package_lock("[").is_err());
}

#[test]
fn yarn_v1_and_berry() {
    let v1 = "# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\n\
\"@babel/code-frame@^7.0.0\", \"@babel/code-frame@^7.10.4\":\n  version \"7.12.13\"\n  \
resolved \"https://registry.example/@babel/code-frame/-/code-frame-7.12.13.tgz#dcfc826beef65e75c50e21d3837d7d95798dd658\"\n  \
integrity sha512-HV1Cm0Q3ZrpCR93tkWOYiuYIgLxZXZFVG2VgK+MBWjUqZTundupbfx2aXarXuw5Ko5aMcjtJgbSs4vUGBS5v6g==\n  \
dependencies:\n    \"@babel/highlight\" \"^7.12.13\"\n\n\
\"@babel/highlight@^7.12.13\":\n  version \"7.13.10\"\n  resolved \"x\"\n";
    let e = yarn_lock(v1);
    let names: Vec<_> = e
        .iter()
        .map(|e| format!("{}@{}", e.name, e.version))
        .collect();
    assert_eq!(
        names,
        ["@babel/code-frame@7.12.13", "@babel/highlight@7.13.10"]
    );
    assert_eq!(e[0].deps, [1]);
    let berry = "__metadata:\n  version: 6\n  cacheKey: 8\n\n\
\"app@workspace:.\":\n  version: 0.0.0-use.local\n  resolution: \"app@workspace:.\"\n  languageName: unknown\n\n\
\"js-tokens@npm:^3.0.0 || ^4.0.0\":\n  version: 4.0.0\n  resolution: \"js-tokens@npm:4.0.0\"\n  checksum: 8a95213a5a\n  languageName: node\n  linkType: hard\n\n\
\"loose-envify@npm:^1.1.0\":\n  version: 1.4.0\n  resolution: \"loose-envify@npm:1.4.0\"\n  dependencies:\n    js-tokens: ^3.0.0 || ^4.0.0\n  bin:\n    loose-envify: cli.js\n";
    let e = yarn_lock(berry);
    let names: Vec<_> = e
        .iter()
        .map(|e| format!("{}@{}", e.name, e.version))
        .collect();
    assert_eq!(names, ["js-tokens@4.0.0", "loose-envify@1.4.0"]);
    assert_eq!(e[1].deps, [0]);
}

#[test]
fn pnpm_lock_versions() {
    let v5 = "lockfileVersion: 5.4\n\nspecifiers:\n  ms: ^2.1.3\n\npackages:\n\n  /ms/2.1.3:\n    resolution: {integrity: sha512-x}\n    dev: false\n\n  /@types/node/18.0.0_typescript@4.9.5:\n    resolution: {integrity: sha512-y}\n";
    let v6 = "lockfileVersion: '6.0'\n\npackages:\n\n  /ms@2.1.3:\n    resolution: {integrity: sha512-x}\n\n  /@types/react-dom@18.2.7(react@18.2.0):\n    resolution: {integrity: sha512-z}\n";
    let v9 = "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      ms:\n        specifier: ^2.1.3\n        version: 2.1.3\n\npackages:\n\n  ms@2.1.3:\n    resolution: {integrity: sha512-x}\n\n  '@scope/pkg@1.0.0':\n    resolution: {integrity: sha512-w}\n\nsnapshots:\n\n  ms@2.1.3: {}\n";
    let names = |t: &str| -> Vec<String> {
        pnpm_lock(t)
            .iter()
            .map(|e| format!("{}@{}", e.name, e.version))
            .collect()
    };
    assert_eq!(names(v5), ["ms@2.1.3", "@types/node@18.0.0"]);
    assert_eq!(names(v6), ["ms@2.1.3", "@types/react-dom@18.2.7"]);
    assert_eq!(names(v9), ["ms@2.1.3", "@scope/pkg@1.0.0"]);
}

proptest::proptest! {
    #[test]
    fn lock_parsers_never_panic(text in "\\PC*") {
        let _ = package_lock(&text);
        let _ = yarn_lock(&text);
        let _ = pnpm_lock(&text);
    }

    #[test]
    fn yarn_shaped_text_never_panics(lines in proptest::collection::vec("( {0,6})(\"?@?[a-z]{0,4}@[\\^0-9.]{0,4}\"?:?|version \"[0-9.]*\"|dependencies:)", 0..20)) {
        let _ = yarn_lock(&lines.join("\n"));
        let _ = pnpm_lock(&format!("packages:\n{}", lines.join("\n")));
    }
}
