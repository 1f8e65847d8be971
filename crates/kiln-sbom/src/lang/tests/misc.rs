//! Ruby, PHP and .NET metadata as RubyGems, Composer and dotnet write it.

use kiln_test::fixture::LayerSpec;
use kiln_types::{License, PackageKind};

use super::{by_purl, depends, ids};
use crate::lang::ruby::gemspec;
use crate::testfs::inventory;

const RACK_SPEC: &str = "# -*- encoding: utf-8 -*-\n# stub: rack 2.2.8 ruby lib\n\n\
Gem::Specification.new do |s|\n  s.name = \"rack\".freeze\n  s.version = \"2.2.8\"\n\n  \
s.required_rubygems_version = Gem::Requirement.new(\">= 0\".freeze) if s.respond_to? :required_rubygems_version=\n  \
s.require_paths = [\"lib\".freeze]\n  s.authors = [\"Leah Neukirchen\".freeze]\n  \
s.licenses = [\"MIT\".freeze]\n  s.rubygems_version = \"3.4.10\".freeze\nend\n";

const GEMFILE_LOCK: &str = "GEM\n  remote: https://rubygems.example/\n  specs:\n    \
nokogiri (1.15.4-x86_64-linux)\n      racc (~> 1.4)\n    racc (1.7.1)\n    rack (2.2.8)\n\n\
PLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  nokogiri\n  rack\n\nBUNDLED WITH\n   2.4.10\n";

#[test]
fn gems() {
    let layer = LayerSpec::new()
        .file(
            "/usr/local/bundle/specifications/rack-2.2.8.gemspec",
            RACK_SPEC.as_bytes(),
            0o644,
        )
        .file(
            "/usr/local/bundle/specifications/broken.gemspec",
            b"Gem::Specification.new do |s|\nend\n",
            0o644,
        )
        .file("/app/Gemfile.lock", GEMFILE_LOCK.as_bytes(), 0o644);
    let inv = inventory(&[layer]);
    assert_eq!(
        ids(&inv, PackageKind::Gem),
        ["nokogiri@1.15.4", "racc@1.7.1", "rack@2.2.8", "rack@2.2.8"]
    );
    let spec = inv
        .packages
        .iter()
        .find(|p| p.locations[0].path.ends_with(".gemspec"))
        .unwrap();
    assert_eq!(spec.licenses, [License::Expression("MIT".into())]);
    assert_eq!(spec.purl.to_string(), "pkg:gem/rack@2.2.8");
    let noko = by_purl(&inv, "pkg:gem/nokogiri@1.15.4");
    let racc = by_purl(&inv, "pkg:gem/racc@1.7.1");
    assert!(depends(&inv, noko, racc));
    assert_eq!(inv.warnings.len(), 1, "{:?}", inv.warnings);
    assert!(inv.warnings[0].contains("broken.gemspec"));
    assert_eq!(
        gemspec("s.name = 'x'\ns.version = '1'\ns.license = 'Apache-2.0'\n").licenses,
        ["Apache-2.0"]
    );
}

const INSTALLED_V2: &str = r#"{"packages":[
 {"name":"monolog/monolog","version":"2.9.1","version_normalized":"2.9.1.0","type":"library",
  "require":{"php":">=7.2","psr/log":"^1.0.1 || ^2.0 || ^3.0"},"license":["MIT"]},
 {"name":"psr/log","version":"3.0.0","type":"library","license":["MIT"]}],
 "dev":true,"dev-package-names":[]}"#;

const COMPOSER_LOCK: &str = r#"{"_readme":["x"],"content-hash":"abc",
 "packages":[{"name":"monolog/monolog","version":"2.9.1","license":["MIT"]},
   {"name":"symfony/yaml","version":"v6.3.3","license":["MIT"],"require":{"php":">=8.1"}}],
 "packages-dev":[{"name":"phpunit/phpunit","version":"10.3.2","license":["BSD-3-Clause"]}]}"#;

#[test]
fn composer() {
    let layer = LayerSpec::new()
        .file(
            "/var/www/vendor/composer/installed.json",
            INSTALLED_V2.as_bytes(),
            0o644,
        )
        .file("/var/www/composer.lock", COMPOSER_LOCK.as_bytes(), 0o644)
        .file(
            "/old/vendor/composer/installed.json",
            br#"[{"name":"a/b","version":"1.0.0"}]"#,
            0o644,
        )
        .file("/bad/composer.lock", b"{", 0o644);
    let inv = inventory(&[layer]);
    assert_eq!(
        ids(&inv, PackageKind::Composer),
        [
            "a/b@1.0.0",
            "monolog/monolog@2.9.1",
            "phpunit/phpunit@10.3.2",
            "psr/log@3.0.0",
            "symfony/yaml@v6.3.3"
        ]
    );
    let monolog = by_purl(&inv, "pkg:composer/monolog/monolog@2.9.1");
    let log = by_purl(&inv, "pkg:composer/psr/log@3.0.0");
    assert!(depends(&inv, monolog, log));
    assert_eq!(monolog.licenses, [License::Expression("MIT".into())]);
    assert_eq!(inv.warnings.len(), 1, "{:?}", inv.warnings);
    assert!(inv.warnings[0].contains("/bad/composer.lock"));
}

const DEPS_JSON: &str = r#"{
  "runtimeTarget": {"name": ".NETCoreApp,Version=v6.0", "signature": ""},
  "targets": {".NETCoreApp,Version=v6.0": {
    "App/1.0.0": {"dependencies": {"Newtonsoft.Json": "13.0.1"}, "runtime": {"App.dll": {}}},
    "Newtonsoft.Json/13.0.1": {"dependencies": {"System.Memory": "4.5.4"}},
    "System.Memory/4.5.4": {}}},
  "libraries": {
    "App/1.0.0": {"type": "project", "serviceable": false, "sha512": ""},
    "Newtonsoft.Json/13.0.1": {"type": "package", "serviceable": true,
      "sha512": "sha512-ppPFpBcvxdsfUonNcvITKqLl3bqxWbDCZIzDWHzjpdAHRFfZe0Dw9HmA0+za13IdyrgJwpkDTDA9fHaxOrt20A==",
      "path": "newtonsoft.json/13.0.1", "hashPath": "newtonsoft.json.13.0.1.nupkg.sha512"},
    "System.Memory/4.5.4": {"type": "package", "serviceable": true, "sha512": ""}}}"#;

#[test]
fn dotnet() {
    let inv = inventory(&[LayerSpec::new()
        .file("/app/App.deps.json", DEPS_JSON.as_bytes(), 0o644)
        .file("/app/Bad.deps.json", b"{\"libraries\": 3}", 0o644)]);
    assert_eq!(
        ids(&inv, PackageKind::NuGet),
        ["Newtonsoft.Json@13.0.1", "System.Memory@4.5.4"]
    );
    let nj = by_purl(&inv, "pkg:nuget/Newtonsoft.Json@13.0.1");
    let mem = by_purl(&inv, "pkg:nuget/System.Memory@4.5.4");
    assert!(depends(&inv, nj, mem));
    assert_eq!(inv.warnings.len(), 1, "{:?}", inv.warnings);
}

proptest::proptest! {
    #[test]
    fn gemspec_never_panics(text in "\\PC*") {
        let _ = gemspec(&text);
    }
}
