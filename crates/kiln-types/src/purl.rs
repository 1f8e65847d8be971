//! Package URLs (`pkg:type/namespace/name@version?qualifiers#subpath`) per the purl spec.
//!
//! A [`Purl`] holds decoded components in canonical form: the type lowercase, qualifier
//! keys lowercase and sorted, empty qualifiers dropped, and the per-type rules applied
//! (deb/apk/alpm namespace and name lowercase, rpm namespace lowercase, pypi names
//! lowercase with `_` as `-`). `Display` percent-encodes everything but the unreserved
//! characters and `:` (so `pkg:deb/debian/attr@1:2.4.47-2` keeps its epoch literal, and an
//! npm scope's `@` becomes `%40`); parsing that text gives the same value back.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Why a string or component is not a valid purl.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("purl {input:?}: {reason}")]
pub struct PurlError {
    input: String,
    reason: &'static str,
}

impl PurlError {
    fn new(input: &str, reason: &'static str) -> PurlError {
        PurlError {
            input: input.to_owned(),
            reason,
        }
    }
}

/// A package URL in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Purl {
    ty: String,
    namespace: Option<String>,
    name: String,
    version: Option<String>,
    qualifiers: BTreeMap<String, String>,
    subpath: Option<String>,
}

impl Purl {
    /// A purl of `ty` for `name`, without namespace, version or qualifiers.
    pub fn new(ty: &str, name: &str) -> Result<Purl, PurlError> {
        let ty_l = ty.to_ascii_lowercase();
        if !valid_type(&ty_l) {
            return Err(PurlError::new(
                ty,
                "type must be [a-z0-9.+-] and not start with a digit",
            ));
        }
        if name.is_empty() {
            return Err(PurlError::new(name, "name is empty"));
        }
        Ok(Purl {
            name: normalize_name(&ty_l, name),
            ty: ty_l,
            namespace: None,
            version: None,
            qualifiers: BTreeMap::new(),
            subpath: None,
        })
    }

    /// Sets the namespace; `/` separates segments, empty segments are dropped.
    pub fn with_namespace(mut self, namespace: &str) -> Purl {
        let segs: Vec<&str> = namespace.split('/').filter(|s| !s.is_empty()).collect();
        self.namespace = if segs.is_empty() {
            None
        } else {
            Some(normalize_namespace(&self.ty, &segs.join("/")))
        };
        self
    }

    /// Sets the version; an empty one means none.
    pub fn with_version(mut self, version: &str) -> Purl {
        self.version = (!version.is_empty()).then(|| version.to_owned());
        self
    }

    /// Adds a qualifier; the key is lowercased, an empty value removes it.
    pub fn with_qualifier(mut self, key: &str, value: &str) -> Result<Purl, PurlError> {
        let key = key.to_ascii_lowercase();
        if !valid_key(&key) {
            return Err(PurlError::new(
                &key,
                "qualifier key must be [a-z0-9._-], not starting with a digit",
            ));
        }
        if value.is_empty() {
            self.qualifiers.remove(&key);
        } else {
            self.qualifiers.insert(key, value.to_owned());
        }
        Ok(self)
    }

    /// Sets the subpath; `.`, `..` and empty segments are dropped.
    pub fn with_subpath(mut self, subpath: &str) -> Purl {
        let segs: Vec<&str> = subpath
            .split('/')
            .filter(|s| !s.is_empty() && *s != "." && *s != "..")
            .collect();
        self.subpath = (!segs.is_empty()).then(|| segs.join("/"));
        self
    }

    pub fn ty(&self) -> &str {
        &self.ty
    }

    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    pub fn qualifiers(&self) -> &BTreeMap<String, String> {
        &self.qualifiers
    }

    pub fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers.get(key).map(String::as_str)
    }

    pub fn subpath(&self) -> Option<&str> {
        self.subpath.as_deref()
    }
}

fn valid_type(ty: &str) -> bool {
    !ty.is_empty()
        && !ty.starts_with(|c: char| c.is_ascii_digit())
        && ty
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '+' | '-'))
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && !key.starts_with(|c: char| c.is_ascii_digit())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

fn normalize_name(ty: &str, name: &str) -> String {
    match ty {
        "deb" | "apk" | "alpm" | "bitbucket" | "github" | "composer" => name.to_lowercase(),
        "pypi" => name.to_lowercase().replace('_', "-"),
        _ => name.to_owned(),
    }
}

fn normalize_namespace(ty: &str, ns: &str) -> String {
    match ty {
        "deb" | "apk" | "alpm" | "rpm" | "bitbucket" | "github" | "composer" => ns.to_lowercase(),
        _ => ns.to_owned(),
    }
}

/// Percent-encodes all but the unreserved characters, `:` and the `extra` ones.
fn encode(out: &mut String, s: &str, extra: &[u8]) {
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~' | b':')
            || extra.contains(&b)
        {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn decode(s: &str, input: &str) -> Result<String, PurlError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| PurlError::new(input, "bad percent-encoding"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| PurlError::new(input, "percent-encoding is not UTF-8"))
}

impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::with_capacity(64);
        out.push_str("pkg:");
        out.push_str(&self.ty);
        out.push('/');
        if let Some(ns) = &self.namespace {
            for seg in ns.split('/') {
                encode(&mut out, seg, b"");
                out.push('/');
            }
        }
        encode(&mut out, &self.name, b"");
        if let Some(v) = &self.version {
            out.push('@');
            encode(&mut out, v, b"");
        }
        for (i, (k, v)) in self.qualifiers.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.push_str(k);
            out.push('=');
            encode(&mut out, v, b"/");
        }
        if let Some(sp) = &self.subpath {
            out.push('#');
            for (i, seg) in sp.split('/').enumerate() {
                if i > 0 {
                    out.push('/');
                }
                encode(&mut out, seg, b"");
            }
        }
        f.write_str(&out)
    }
}

impl FromStr for Purl {
    type Err = PurlError;

    fn from_str(input: &str) -> Result<Purl, PurlError> {
        let bad = |reason| PurlError::new(input, reason);
        let (rest, subpath) = match input.rsplit_once('#') {
            Some((r, s)) => (r, Some(s)),
            None => (input, None),
        };
        let (rest, qualifiers) = match rest.rsplit_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (scheme, rest) = rest.split_once(':').ok_or_else(|| bad("no pkg: scheme"))?;
        if !scheme.eq_ignore_ascii_case("pkg") {
            return Err(bad("scheme is not pkg"));
        }
        let rest = rest.trim_start_matches('/');
        let (ty, rest) = rest.split_once('/').ok_or_else(|| bad("no type"))?;
        let (rest, version) = match rest.rsplit_once('@') {
            Some((r, v)) => (r, Some(decode(v, input)?)),
            None => (rest, None),
        };
        let rest = rest.trim_end_matches('/');
        let (namespace, name) = match rest.rsplit_once('/') {
            Some((ns, n)) => (Some(ns), n),
            None => (None, rest),
        };
        let name = decode(name, input)?;
        if name.is_empty() {
            return Err(bad("name is empty"));
        }
        let mut purl = Purl::new(ty, &name).map_err(|e| PurlError::new(input, e.reason))?;
        if let Some(ns) = namespace {
            let mut segs = Vec::new();
            for seg in ns.split('/').filter(|s| !s.is_empty()) {
                let seg = decode(seg, input)?;
                if seg.is_empty() || seg.contains('/') {
                    return Err(bad("namespace segment is empty or holds an encoded /"));
                }
                segs.push(seg);
            }
            purl = purl.with_namespace(&segs.join("/"));
        }
        if let Some(v) = version {
            purl = purl.with_version(&v);
        }
        if let Some(q) = qualifiers {
            for pair in q.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair
                    .split_once('=')
                    .ok_or_else(|| bad("qualifier without ="))?;
                if purl.qualifiers.contains_key(&k.to_ascii_lowercase()) {
                    return Err(bad("qualifier key repeated"));
                }
                purl = purl
                    .with_qualifier(k, &decode(v, input)?)
                    .map_err(|e| PurlError::new(input, e.reason))?;
            }
        }
        if let Some(sp) = subpath {
            let mut segs = Vec::new();
            for seg in sp.split('/') {
                let seg = decode(seg, input)?;
                if seg.contains('/') {
                    return Err(bad("subpath segment holds an encoded /"));
                }
                segs.push(seg);
            }
            purl = purl.with_subpath(&segs.join("/"));
        }
        Ok(purl)
    }
}

impl serde::Serialize for Purl {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Purl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Purl, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Purl {
        s.parse().unwrap()
    }

    #[test]
    fn deb_epoch_colon_is_literal() {
        let purl = Purl::new("deb", "attr")
            .unwrap()
            .with_namespace("debian")
            .with_version("1:2.4.47-2")
            .with_qualifier("distro", "debian-12")
            .unwrap()
            .with_qualifier("arch", "amd64")
            .unwrap();
        assert_eq!(
            purl.to_string(),
            "pkg:deb/debian/attr@1:2.4.47-2?arch=amd64&distro=debian-12"
        );
        assert_eq!(p(&purl.to_string()), purl);
    }

    #[test]
    fn npm_scope_at_is_encoded() {
        let purl = Purl::new("npm", "core")
            .unwrap()
            .with_namespace("@angular")
            .with_version("17.0.0");
        assert_eq!(purl.to_string(), "pkg:npm/%40angular/core@17.0.0");
        assert_eq!(
            p("pkg:npm/%40angular/core@17.0.0").namespace(),
            Some("@angular")
        );
    }

    #[test]
    fn canonicalises_case_order_and_encoding() {
        let purl = p("PKG:DEB/Debian/Curl@7.88.1-10%2Bdeb12u5?Distro=debian-12&arch=amd64&empty=");
        assert_eq!(purl.ty(), "deb");
        assert_eq!(purl.name(), "curl");
        assert_eq!(purl.version(), Some("7.88.1-10+deb12u5"));
        assert_eq!(
            purl.to_string(),
            "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12"
        );
        assert_eq!(p("pkg:pypi/Django_Rest").name(), "django-rest");
        assert_eq!(p("pkg:rpm/Fedora/NetworkManager").name(), "NetworkManager");
        assert_eq!(
            p("pkg:rpm/Fedora/NetworkManager").namespace(),
            Some("fedora")
        );
    }

    #[test]
    fn golang_namespace_and_subpath() {
        let purl = p("pkg:golang/github.com/gorilla/context@v1.1.1#/api/./../v2/");
        assert_eq!(purl.namespace(), Some("github.com/gorilla"));
        assert_eq!(purl.name(), "context");
        assert_eq!(purl.subpath(), Some("api/v2"));
        assert_eq!(
            purl.to_string(),
            "pkg:golang/github.com/gorilla/context@v1.1.1#api/v2"
        );
    }

    #[test]
    fn oci_digest_version_either_form() {
        let a = p("pkg:oci/debian@sha256%3Aabc?repository_url=docker.io/library/debian");
        let b = p("pkg:oci/debian@sha256:abc?repository_url=docker.io%2Flibrary%2Fdebian");
        assert_eq!(a, b);
        assert_eq!(
            a.to_string(),
            "pkg:oci/debian@sha256:abc?repository_url=docker.io/library/debian"
        );
    }

    #[test]
    fn rejects_bad_input() {
        for bad in [
            "",
            "deb/debian/curl",
            "http:deb/curl",
            "pkg:",
            "pkg:deb",
            "pkg:deb/",
            "pkg:1deb/curl",
            "pkg:deb/curl%zz",
            "pkg:deb/curl?novalue",
            "pkg:deb/curl?1a=b",
            "pkg:deb/curl?a=b&A=c",
            "pkg:deb/%FF",
        ] {
            assert!(bad.parse::<Purl>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn serde_is_the_string() {
        let purl = p("pkg:cargo/serde@1.0.200");
        let json = serde_json::to_string(&purl).unwrap();
        assert_eq!(json, "\"pkg:cargo/serde@1.0.200\"");
        assert_eq!(serde_json::from_str::<Purl>(&json).unwrap(), purl);
    }

    fn component() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 ._~:@/%?#&=+!-]{1,12}"
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(
            ty in "[a-z][a-z0-9.+-]{0,6}",
            ns in proptest::option::of(component()),
            name in component(),
            version in proptest::option::of(component()),
            quals in proptest::collection::btree_map("[a-z][a-z0-9._-]{0,5}", component(), 0..4),
            subpath in proptest::option::of(component()),
        ) {
            let name = name.replace('/', "_");
            let mut purl = Purl::new(&ty, &name).unwrap();
            if let Some(ns) = ns { purl = purl.with_namespace(&ns); }
            if let Some(v) = version { purl = purl.with_version(&v); }
            for (k, v) in quals { purl = purl.with_qualifier(&k, &v).unwrap(); }
            if let Some(sp) = subpath { purl = purl.with_subpath(&sp); }
            let text = purl.to_string();
            let back: Purl = text.parse().unwrap();
            prop_assert_eq!(&back, &purl);
            prop_assert_eq!(back.to_string(), text);
        }

        #[test]
        fn parsing_never_panics_and_is_canonical(s in "pkg:[ -~]{0,40}") {
            if let Ok(purl) = s.parse::<Purl>() {
                let text = purl.to_string();
                prop_assert_eq!(text.parse::<Purl>().unwrap(), purl);
            }
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(s in "\\PC{0,40}") {
            let _ = s.parse::<Purl>();
        }
    }
}
