//! The ecosystems the other `sbom` tests leave out, against Syft and Trivy on the same OCI
//! layout: RPM (a real rpmdb, made by Debian's `rpm`), Alpine (an installed database
//! written to apk's format, as its packages cannot be downloaded here), and the Ruby,
//! PHP and .NET metadata an Alpine application image carries. For each, the
//! `name@version`s kiln finds contain the union of the peers', and are exactly the
//! packages the image holds.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kiln_test::fixture::{Compression, ImageBuilder, LayerSpec};
use kiln_test::rpm::rocky_root;

use crate::sbom::{assert_covers_peers, kiln_ids, layout_of, sbom};
use crate::support::tools::{syft_json, trivy_json, trivy_os_packages};

/// One ecosystem as each tool names it: kiln's package kind, Syft's artifact types, and
/// Trivy's result types (`None`: Trivy's OS packages).
struct Names {
    kind: &'static str,
    syft: &'static [&'static str],
    trivy: Option<&'static [&'static str]>,
    /// Why Syft finds none of this ecosystem's packages on the image, where it does not.
    syft_finds_nothing: Option<&'static str>,
}

/// Checks kiln's packages of each ecosystem against the peers' and against `expected`.
fn compare(layout: &Path, work: &Path, ecosystems: &[(Names, &[&str])]) {
    let ours: serde_json::Value = serde_json::from_str(&sbom(layout, "json")).unwrap();
    let syft = syft_json(layout);
    let trivy = trivy_json(layout, &work.join("trivy-cache"));
    for (names, expected) in ecosystems {
        let kind = names.kind;
        let kiln = kiln_ids(&ours, kind);
        let by_syft: BTreeSet<String> = syft["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| names.syft.iter().any(|t| a["type"] == *t))
            .map(|a| {
                format!(
                    "{}@{}",
                    a["name"].as_str().unwrap(),
                    a["version"].as_str().unwrap()
                )
            })
            .collect();
        let by_trivy = match names.trivy {
            None => trivy_os_packages(&trivy),
            Some(types) => trivy_language_packages(&trivy, types),
        };
        assert!(!by_trivy.is_empty(), "{kind}: Trivy found nothing");
        match names.syft_finds_nothing {
            None => assert!(!by_syft.is_empty(), "{kind}: Syft found nothing"),
            Some(why) => assert!(
                by_syft.is_empty(),
                "{kind}: Syft now finds {by_syft:?} ({why})"
            ),
        }
        assert_covers_peers(kind, &kiln, &by_syft, &by_trivy, &[]);
        let expected: BTreeSet<String> = expected.iter().map(|p| (*p).to_owned()).collect();
        assert_eq!(kiln, expected, "{kind}");
    }
}

fn trivy_language_packages(doc: &serde_json::Value, types: &[&str]) -> BTreeSet<String> {
    let results = doc["Results"].as_array().into_iter().flatten();
    results
        .filter(|r| types.iter().any(|t| r["Type"] == *t))
        .flat_map(|r| r["Packages"].as_array().into_iter().flatten())
        .map(|p| {
            format!(
                "{}@{}",
                p["Name"].as_str().unwrap(),
                p["Version"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn finds_every_rpm_package_syft_and_trivy_find() {
    let work = tempfile::tempdir().unwrap();
    let layout = layout_of(&rocky_root(work.path()), &work.path().join("layout"));
    let rpm = Names {
        kind: "rpm",
        syft: &["rpm"],
        trivy: None,
        syft_finds_nothing: None,
    };
    compare(
        &layout,
        work.path(),
        &[(rpm, &["kiln-hello@1:1.2-3.el9", "kiln-user@0.9-1"])],
    );
}

/// apk's installed database: one paragraph per package, blank-line separated.
const APK_INSTALLED: &str = "\
C:Q1kiln0musl0000000000000000000=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
S:383152
I:622592
T:the musl c library (libc) implementation
L:MIT
o:musl
m:Kiln Tests <tests@kiln.invalid>
t:1705412416
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
R:libc.musl-x86_64.so.1

C:Q1kiln0zlib0000000000000000000=
P:zlib
V:1.3.1-r0
A:x86_64
S:53846
I:102400
T:A compression/decompression Library
L:Zlib
o:zlib
m:Kiln Tests <tests@kiln.invalid>
t:1706041040
D:so:libc.musl-x86_64.so.1
p:so:libz.so.1=1.3.1
F:lib
R:libz.so.1.3.1

C:Q1kiln0binsh000000000000000000=
P:busybox-binsh
V:1.36.1-r15
A:x86_64
S:1543
I:1
T:busybox ash /bin/sh
L:GPL-2.0-only
o:busybox
m:Kiln Tests <tests@kiln.invalid>
t:1704300000
D:busybox=1.36.1-r15

";

/// A gemspec as RubyGems writes it under `specifications/` when it installs a gem.
fn gemspec(name: &str, version: &str) -> String {
    format!(
        "# -*- encoding: utf-8 -*-\n# stub: {name} {version} ruby lib\n\n\
Gem::Specification.new do |s|\n  s.name = \"{name}\".freeze\n  s.version = \"{version}\"\n\n  \
s.require_paths = [\"lib\".freeze]\n  s.authors = [\"Kiln Tests\".freeze]\n  \
s.licenses = [\"MIT\".freeze]\n  s.summary = \"A gem for kiln tests\".freeze\nend\n"
    )
}

const GEMFILE_LOCK: &str = "\
GEM
  remote: http://127.0.0.1/
  specs:
    mustermann (1.1.1)
      ruby2_keywords (~> 0.0.1)
    rack (2.2.3)
    ruby2_keywords (0.0.5)
    sinatra (2.1.0)
      mustermann (~> 1.0)
      rack (~> 2.2)
      tilt (~> 2.0)
    tilt (2.0.10)

PLATFORMS
  ruby

DEPENDENCIES
  sinatra

BUNDLED WITH
   2.3.5
";

const COMPOSER_INSTALLED: &str = r#"{"packages":[
{"name":"monolog/monolog","version":"2.9.1","version_normalized":"2.9.1.0","type":"library","license":["MIT"],
 "require":{"php":">=7.2","psr/log":"^1.0.1 || ^2.0 || ^3.0"},"install-path":"../monolog/monolog"},
{"name":"psr/log","version":"3.0.0","version_normalized":"3.0.0.0","type":"library","license":["MIT"],
 "require":{"php":">=8.0.0"},"install-path":"../psr/log"}],
"dev":true,"dev-package-names":[]}"#;

const COMPOSER_LOCK: &str = r#"{"content-hash":"0123456789abcdef0123456789abcdef",
"packages":[
{"name":"monolog/monolog","version":"2.9.1","type":"library","license":["MIT"],"require":{"psr/log":"^1.0.1 || ^2.0 || ^3.0"}},
{"name":"psr/log","version":"3.0.0","type":"library","license":["MIT"]}],
"packages-dev":[{"name":"phpunit/php-timer","version":"5.0.3","type":"library","license":["BSD-3-Clause"]}],
"aliases":[],"minimum-stability":"stable","platform":[],"platform-dev":[],"plugin-api-version":"2.3.0"}"#;

const DEPS_JSON: &str = r#"{
  "runtimeTarget": {"name": ".NETCoreApp,Version=v6.0", "signature": ""},
  "compilationOptions": {},
  "targets": {
    ".NETCoreApp,Version=v6.0": {
      "app/1.0.0": {"dependencies": {"Newtonsoft.Json": "13.0.1", "Serilog": "2.10.0"}, "runtime": {"app.dll": {}}},
      "Newtonsoft.Json/13.0.1": {"runtime": {"lib/netstandard2.0/Newtonsoft.Json.dll": {"assemblyVersion": "13.0.0.0", "fileVersion": "13.0.1.25517"}}},
      "Serilog/2.10.0": {"runtime": {"lib/netstandard2.1/Serilog.dll": {"assemblyVersion": "2.0.0.0", "fileVersion": "2.10.0.0"}}}
    }
  },
  "libraries": {
    "app/1.0.0": {"type": "project", "serviceable": false, "sha512": ""},
    "Newtonsoft.Json/13.0.1": {"type": "package", "serviceable": true, "sha512": "sha512-AAAA", "path": "newtonsoft.json/13.0.1", "hashPath": "newtonsoft.json.13.0.1.nupkg.sha512"},
    "Serilog/2.10.0": {"type": "package", "serviceable": true, "sha512": "sha512-BBBB", "path": "serilog/2.10.0", "hashPath": "serilog.2.10.0.nupkg.sha512"}
  }
}"#;

/// Alpine, then a layer of Ruby, PHP and .NET applications.
fn alpine_layout(work: &Path) -> PathBuf {
    let base = LayerSpec::new()
        .file(
            "/etc/os-release",
            b"NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=\"Alpine Linux v3.19\"\n",
            0o644,
        )
        .file("/etc/alpine-release", b"3.19.1\n", 0o644)
        .file("/lib/apk/db/installed", APK_INSTALLED.as_bytes(), 0o644);
    let specs = "/usr/local/bundle/specifications";
    let apps = LayerSpec::new()
        .file(
            &format!("{specs}/rack-2.2.3.gemspec"),
            gemspec("rack", "2.2.3").as_bytes(),
            0o644,
        )
        .file(
            &format!("{specs}/mustermann-1.1.1.gemspec"),
            gemspec("mustermann", "1.1.1").as_bytes(),
            0o644,
        )
        .file("/srv/web/Gemfile.lock", GEMFILE_LOCK.as_bytes(), 0o644)
        .file(
            "/srv/php/vendor/composer/installed.json",
            COMPOSER_INSTALLED.as_bytes(),
            0o644,
        )
        .file("/srv/php/composer.lock", COMPOSER_LOCK.as_bytes(), 0o644)
        .file("/srv/dotnet/app.deps.json", DEPS_JSON.as_bytes(), 0o644);
    let layout = work.join("alpine-layout");
    ImageBuilder::new()
        .layer(base, Compression::Gzip)
        .layer(apps, Compression::Gzip)
        .write_layout(&layout, "fixture");
    layout
}

#[test]
fn finds_every_apk_gem_composer_and_nuget_package_syft_and_trivy_find() {
    let work = tempfile::tempdir().unwrap();
    let layout = alpine_layout(work.path());
    let ecosystems: [(Names, &[&str]); 4] = [
        (
            Names {
                kind: "apk",
                syft: &["apk"],
                trivy: None,
                syft_finds_nothing: None,
            },
            &[
                "busybox-binsh@1.36.1-r15",
                "musl@1.2.4_git20230717-r4",
                "zlib@1.3.1-r0",
            ],
        ),
        (
            Names {
                kind: "gem",
                syft: &["gem"],
                trivy: Some(&["gemspec", "bundler"]),
                syft_finds_nothing: None,
            },
            // The installed gemspecs, and the application's lock file.
            &[
                "mustermann@1.1.1",
                "rack@2.2.3",
                "ruby2_keywords@0.0.5",
                "sinatra@2.1.0",
                "tilt@2.0.10",
            ],
        ),
        (
            Names {
                kind: "composer",
                syft: &["php-composer"],
                trivy: Some(&["composer-vendor", "composer"]),
                syft_finds_nothing: None,
            },
            // What vendor/ holds, and the lock file's development package too.
            &[
                "monolog/monolog@2.9.1",
                "phpunit/php-timer@5.0.3",
                "psr/log@3.0.0",
            ],
        ),
        (
            Names {
                kind: "nuget",
                syft: &["dotnet"],
                trivy: Some(&["dotnet-core"]),
                syft_finds_nothing: Some(
                    "Syft reads .deps.json only when it scans a directory (its \
                     dotnet-deps-cataloger is not an image cataloger); in an image it lists \
                     .NET packages from the assemblies alone",
                ),
            },
            // The packages the application depends on; the project itself is not one.
            &["Newtonsoft.Json@13.0.1", "Serilog@2.10.0"],
        ),
    ];
    compare(&layout, work.path(), &ecosystems);
}
