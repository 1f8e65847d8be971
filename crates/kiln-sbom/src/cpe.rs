//! CPE 2.3 names for the packages whose vulnerability data is keyed by CPE (NVD): OS
//! packages (deb, rpm, apk), Java archives, Go modules and the Go toolchain, and binaries
//! kiln recognised without package metadata. Ecosystems that purls identify well (PyPI,
//! npm, crates.io, RubyGems, Composer, NuGet) get none.
//!
//! Names are formatted strings (`cpe:2.3:a:vendor:product:version:*:*:*:*:*:*:*`, NISTIR
//! 7695 §6.2): values lowercased, whitespace as `_`, every printable character other than
//! letters, digits, `_`, `.` and `-` quoted with a backslash (`c\+\+`), a lone `-`
//! quoted, characters outside printable ASCII dropped. Versions are upstream versions
//! (NVD's): the distribution's epoch and revision/release are cut off.
//!
//! Candidates are few and deterministic: the product is the package name and, for OS
//! packages, the source package's; the vendor is the product itself, the distribution
//! (`debian`, `redhat`, …) or the organisation a Java group or Go module path names.

use kiln_types::{Distro, Package, PackageKind};

/// One formatted CPE 2.3 name for an application.
pub fn application(vendor: &str, product: &str, version: &str) -> String {
    format!(
        "cpe:2.3:a:{}:{}:{}:*:*:*:*:*:*:*",
        escape(vendor),
        escape(product),
        escape(version)
    )
}

/// A value bound for the formatted string: `*` (ANY) when nothing is left of it.
pub fn escape(value: &str) -> String {
    if value == "-" {
        return "\\-".to_owned();
    }
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            'a'..='z' | '0'..='9' | '_' | '.' | '-' => out.push(c),
            c if c.is_whitespace() => out.push('_'),
            c if c.is_ascii_graphic() => {
                out.push('\\');
                out.push(c);
            }
            _ => {}
        }
    }
    if out.is_empty() { "*".to_owned() } else { out }
}

/// The CPEs of `p`, sorted; empty for ecosystems that do not need them.
pub fn candidates(p: &Package, distro: Option<&Distro>) -> Vec<String> {
    let version = upstream_version(p);
    if version.is_empty() {
        return Vec::new();
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    match p.kind {
        PackageKind::Deb | PackageKind::Rpm | PackageKind::Apk => {
            let mut products = vec![p.name.clone()];
            if let Some(src) = &p.source
                && src.name != p.name
                && !src.name.is_empty()
            {
                products.push(src.name.clone());
            }
            let vendor = distro.map(|d| distro_vendor(&d.id));
            for product in products {
                pairs.push((product.clone(), product.clone()));
                if let Some(v) = &vendor {
                    pairs.push((v.clone(), product));
                }
            }
        }
        PackageKind::Maven => {
            let product = p.purl.name().to_owned();
            pairs.push((product.clone(), product.clone()));
            if let Some(org) = p.purl.namespace().and_then(java_vendor) {
                pairs.push((org, product));
            }
        }
        PackageKind::Go => {
            if p.name == "stdlib" {
                pairs.push(("golang".to_owned(), "go".to_owned()));
            } else if let Some((vendor, product)) = go_vendor_product(&p.name) {
                pairs.push((vendor, product));
            }
        }
        PackageKind::Binary => pairs.push((p.name.clone(), p.name.clone())),
        _ => {}
    }
    let mut out: Vec<String> = pairs
        .iter()
        .map(|(vendor, product)| application(vendor, product, &version))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The vendor NVD uses for a distribution's own packages.
fn distro_vendor(id: &str) -> String {
    match id {
        "rhel" | "centos" => "redhat".to_owned(),
        "opensuse-leap" | "opensuse-tumbleweed" | "sles" => "suse".to_owned(),
        "amzn" => "amazon".to_owned(),
        other => other.to_owned(),
    }
}

/// `org.apache.commons` → `apache`; `com.fasterxml.jackson.core` → `fasterxml`.
fn java_vendor(group: &str) -> Option<String> {
    let mut parts = group.split('.');
    let first = parts.next()?;
    let org = if matches!(first, "org" | "com" | "net" | "io" | "de" | "dev") {
        parts.next()?
    } else {
        first
    };
    (!org.is_empty()).then(|| org.to_owned())
}

/// `github.com/gin-gonic/gin` → (gin-gonic, gin); `golang.org/x/net` → (golang, net).
fn go_vendor_product(module: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = module.split('/').collect();
    match parts.as_slice() {
        ["golang.org", "x", product, ..] => Some(("golang".to_owned(), (*product).to_owned())),
        [host, vendor, product, ..] if host.contains('.') => {
            Some(((*vendor).to_owned(), (*product).to_owned()))
        }
        _ => None,
    }
}

/// The version NVD would name: no epoch, no distribution revision or release, no Go `v`.
fn upstream_version(p: &Package) -> String {
    let v = p.version.as_str();
    let v = match p.kind {
        PackageKind::Deb | PackageKind::Rpm => {
            let no_epoch = v.split_once(':').map_or(v, |(_, rest)| rest);
            no_epoch.rsplit_once('-').map_or(no_epoch, |(up, _)| up)
        }
        PackageKind::Apk => v.rsplit_once("-r").map_or(v, |(up, _)| up),
        PackageKind::Go => v.trim_start_matches("go").trim_start_matches('v'),
        _ => v,
    };
    if v == "(devel)" {
        String::new()
    } else {
        v.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use kiln_types::{Purl, SourcePackage};

    use super::*;

    fn pkg(kind: PackageKind, name: &str, version: &str, purl: Purl) -> Package {
        Package::new(kind, name, version, purl)
    }

    #[test]
    fn escaping_follows_the_formatted_string_binding() {
        assert_eq!(escape("sdbus-c++"), "sdbus-c\\+\\+");
        assert_eq!(escape("Foo Bar"), "foo_bar");
        assert_eq!(escape("a:b*c?d\\e/f!g~h"), "a\\:b\\*c\\?d\\\\e\\/f\\!g\\~h");
        assert_eq!(escape("1.2_3-4"), "1.2_3-4");
        assert_eq!(escape("-"), "\\-");
        assert_eq!(escape(""), "*");
        assert_eq!(escape("ü"), "*");
        assert_eq!(
            application("gnu", "glibc", "2.36"),
            "cpe:2.3:a:gnu:glibc:2.36:*:*:*:*:*:*:*"
        );
        assert_eq!(application("a", "b", "1").split(':').count(), 13);
    }

    #[test]
    fn os_packages_name_binary_source_and_distribution() {
        let purl = Purl::new("deb", "libssl3").unwrap();
        let mut p = pkg(PackageKind::Deb, "libssl3", "1:3.0.15-1~deb12u1", purl);
        p.source = Some(SourcePackage {
            name: "openssl".into(),
            version: None,
        });
        let debian = Distro {
            id: "debian".into(),
            ..Distro::default()
        };
        assert_eq!(
            candidates(&p, Some(&debian)),
            [
                "cpe:2.3:a:debian:libssl3:3.0.15:*:*:*:*:*:*:*",
                "cpe:2.3:a:debian:openssl:3.0.15:*:*:*:*:*:*:*",
                "cpe:2.3:a:libssl3:libssl3:3.0.15:*:*:*:*:*:*:*",
                "cpe:2.3:a:openssl:openssl:3.0.15:*:*:*:*:*:*:*",
            ]
        );
        let rhel = Distro {
            id: "rhel".into(),
            ..Distro::default()
        };
        let r = pkg(
            PackageKind::Rpm,
            "bash",
            "5.1.8-9.el9",
            Purl::new("rpm", "bash").unwrap(),
        );
        assert!(candidates(&r, Some(&rhel)).contains(&application("redhat", "bash", "5.1.8")));
        let a = pkg(
            PackageKind::Apk,
            "musl",
            "1.2.5-r0",
            Purl::new("apk", "musl").unwrap(),
        );
        assert_eq!(candidates(&a, None), [application("musl", "musl", "1.2.5")]);
    }

    #[test]
    fn java_go_and_binaries() {
        let purl = Purl::new("maven", "commons-lang3")
            .unwrap()
            .with_namespace("org.apache.commons");
        let j = pkg(PackageKind::Maven, "commons-lang3", "3.12.0", purl);
        assert!(candidates(&j, None).contains(&application("apache", "commons-lang3", "3.12.0")));
        let go = |name: &str, v: &str| {
            candidates(
                &pkg(PackageKind::Go, name, v, Purl::new("golang", "x").unwrap()),
                None,
            )
        };
        assert_eq!(
            go("stdlib", "go1.21.5"),
            [application("golang", "go", "1.21.5")]
        );
        assert_eq!(
            go("github.com/gin-gonic/gin", "v1.9.1"),
            [application("gin-gonic", "gin", "1.9.1")]
        );
        assert_eq!(
            go("golang.org/x/net", "v0.17.0"),
            [application("golang", "net", "0.17.0")]
        );
        assert!(go("example.com/greet", "(devel)").is_empty());
        assert!(go("rsc.io", "v1.0.0").is_empty());
        let npm = pkg(
            PackageKind::Npm,
            "lodash",
            "4.17.15",
            Purl::new("npm", "lodash").unwrap(),
        );
        assert!(candidates(&npm, None).is_empty(), "purls suffice for npm");
    }

    proptest::proptest! {
        #[test]
        fn any_value_gives_thirteen_fields(v in ".*", p in ".*", ver in ".*") {
            let cpe = application(&v, &p, &ver);
            // Split on colons that no backslash quotes.
            let mut fields = 1;
            let mut quoted = false;
            for c in cpe.chars() {
                match c {
                    '\\' if !quoted => quoted = true,
                    ':' if !quoted => fields += 1,
                    _ => quoted = false,
                }
            }
            proptest::prop_assert_eq!(fields, 13, "{}", cpe);
            proptest::prop_assert!(cpe.is_ascii());
        }
    }
}
