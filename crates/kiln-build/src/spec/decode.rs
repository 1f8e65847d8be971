//! From the YAML tree to a [`Spec`]: each key decoded, each value checked, every
//! problem reported at its place.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::diagnostic::{Collector, Diagnostics, Mark};
use super::node::{self, Map, Node, Text};
use super::{
    Accounts, Arch, Constraint, Group, ImageConfig, NONROOT_ID, Op, PackageRequest, PathEntry,
    PathKind, Source, Spec, User, Variant, VariantSpec,
};

const TOP: &[&str] = &[
    "sources",
    "packages",
    "architectures",
    "accounts",
    "entrypoint",
    "cmd",
    "env",
    "workdir",
    "labels",
    "annotations",
    "paths",
    "variants",
];

/// The largest uid or gid an account may have.
const MAX_ID: u64 = 4_294_967_294;
/// Files named by `paths[].source` larger than this are refused.
const MAX_FILE: u64 = 64 << 20;

pub(super) fn decode(
    text: &str,
    file: &str,
    dir: &Path,
    digest: String,
) -> Result<Spec, Diagnostics> {
    let mut c = Collector::new(file);
    let root = node::load(text, &mut c);
    let spec = root
        .as_ref()
        .and_then(|r| decode_root(Node::new(r), &mut c, dir, file, digest));
    c.finish(())?;
    // Every path that yields no spec reports why; this is the backstop.
    spec.ok_or_else(|| {
        Diagnostics(vec![super::Diagnostic {
            file: file.to_owned(),
            line: 1,
            col: 1,
            code: "type",
            message: "the spec could not be read".to_owned(),
        }])
    })
}

fn decode_root(
    root: Node<'_, '_>,
    c: &mut Collector,
    dir: &Path,
    file: &str,
    digest: String,
) -> Option<Spec> {
    let map = root.map(c, TOP)?;
    let sources = map
        .get("sources")
        .map_or_else(Vec::new, |n| sources(n, c, dir));
    let packages = match map.require(c, "packages") {
        Some(n) => packages(n, c),
        None => Vec::new(),
    };
    let architectures = match map.get("architectures") {
        Some(n) => architectures(n, c),
        None => vec![Arch::host().unwrap_or(Arch::Amd64)],
    };
    let accounts = accounts(map.get("accounts"), c);
    let config = ImageConfig {
        entrypoint: map.get("entrypoint").map_or_else(Vec::new, |n| argv(n, c)),
        cmd: map.get("cmd").map_or_else(Vec::new, |n| argv(n, c)),
        env: map.get("env").map_or_else(BTreeMap::new, |n| env(n, c)),
        workdir: map.get("workdir").and_then(|n| absolute(n, c, "workdir")),
        labels: map
            .get("labels")
            .and_then(|n| n.string_map(c))
            .unwrap_or_default(),
        annotations: map
            .get("annotations")
            .and_then(|n| n.string_map(c))
            .unwrap_or_default(),
    };
    let paths = map.get("paths").map_or_else(Vec::new, |n| paths(n, c, dir));
    let variants = map
        .get("variants")
        .map_or_else(BTreeMap::new, |n| variants(n, c));
    check_run_as(&accounts, &map, c);
    for v in variants.values() {
        if let Some(r) = &v.run_as {
            check_user_ref(r, &accounts, map.key_mark("variants"), c);
        }
    }
    Some(Spec {
        file: file.to_owned(),
        digest,
        sources,
        packages,
        architectures,
        accounts,
        config,
        paths,
        variant: Variant::Runtime,
        variants,
    })
}

fn sources(n: Node<'_, '_>, c: &mut Collector, dir: &Path) -> Vec<Source> {
    let mut out = Vec::new();
    for item in n.list(c).unwrap_or_default() {
        let Some(m) = item.map(c, &["uris", "suites", "components", "signed-by"]) else {
            continue;
        };
        let uris = m
            .require(c, "uris")
            .and_then(|n| n.texts(c))
            .unwrap_or_default();
        for u in &uris {
            let scheme_ok = ["http://", "https://", "file:/"]
                .iter()
                .any(|s| u.value.starts_with(s));
            if !scheme_ok {
                c.report(
                    u.at,
                    "invalid-value",
                    format!(
                        "source URI {:?} is not http://, https:// or file:/",
                        u.value
                    ),
                );
            }
        }
        let suites = m
            .require(c, "suites")
            .and_then(|n| n.texts(c))
            .unwrap_or_default();
        let components = m
            .get("components")
            .and_then(|n| n.texts(c))
            .unwrap_or_default();
        if components.is_empty() && suites.iter().any(|s| !s.value.ends_with('/')) {
            c.report(
                m.at,
                "missing-key",
                "missing required key \"components\" (only a flat suite ending in / has none)",
            );
        }
        let signed_by = m.get("signed-by").and_then(|n| n.text(c)).and_then(|t| {
            let path = dir.join(&t.value);
            if path.is_file() {
                Some(path)
            } else {
                c.report(t.at, "io", format!("keyring {:?} is not a file", t.value));
                None
            }
        });
        out.push(Source {
            uris: uris.into_iter().map(|t| t.value).collect(),
            suites: suites.into_iter().map(|t| t.value).collect(),
            components: components.into_iter().map(|t| t.value).collect(),
            signed_by,
        });
    }
    out
}

/// A Debian package name: lowercase letters, digits, `+ - .`, at least two characters,
/// starting with a letter or digit.
pub(super) fn valid_package_name(name: &str) -> bool {
    name.len() >= 2
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c))
}

fn packages(n: Node<'_, '_>, c: &mut Collector) -> Vec<PackageRequest> {
    let mut out: Vec<PackageRequest> = Vec::new();
    for t in n.texts(c).unwrap_or_default() {
        let Some(req) = package_request(&t, c) else {
            continue;
        };
        if out.iter().any(|p| p.name() == req.name()) {
            c.report(
                t.at,
                "duplicate",
                format!("package {:?} is listed twice", req.name()),
            );
            continue;
        }
        out.push(req);
    }
    out
}

/// `name`, `!name`, `name=version`, `name (op version)`.
pub(super) fn package_request(t: &Text, c: &mut Collector) -> Option<PackageRequest> {
    let s = t.value.trim();
    let bad = |c: &mut Collector, why: &str| {
        c.report(t.at, "invalid-value", format!("package {s:?}: {why}"));
    };
    if let Some(name) = s.strip_prefix('!') {
        if !valid_package_name(name) {
            bad(c, "not a Debian package name after !");
            return None;
        }
        return Some(PackageRequest::Exclude {
            name: name.to_owned(),
        });
    }
    let (name, constraint) = if let Some((name, rest)) = s.split_once('(') {
        let Some(inner) = rest.trim_end().strip_suffix(')') else {
            bad(c, "missing ) after the version constraint");
            return None;
        };
        let inner = inner.trim();
        let op_len = inner
            .find(|ch: char| ch.is_ascii_alphanumeric() || ch.is_whitespace())
            .unwrap_or(inner.len());
        let op = match &inner[..op_len] {
            "=" => Op::Eq,
            ">=" => Op::Ge,
            "<=" => Op::Le,
            ">>" => Op::Gt,
            "<<" => Op::Lt,
            other => {
                bad(
                    c,
                    &format!("unknown operator {other:?} (use =, >=, <=, >>, <<)"),
                );
                return None;
            }
        };
        (name.trim(), Some((op, inner[op_len..].trim())))
    } else if let Some((name, version)) = s.split_once('=') {
        (name.trim(), Some((Op::Eq, version.trim())))
    } else {
        (s, None)
    };
    if !valid_package_name(name) {
        bad(
            c,
            "not a Debian package name (lowercase letters, digits, + - .)",
        );
        return None;
    }
    let constraint = match constraint {
        None => None,
        Some((op, version)) => {
            if let Err(e) = kiln_version::dpkg::DpkgVersion::parse(version) {
                bad(
                    c,
                    &format!("version {version:?} is not a Debian version: {e}"),
                );
                return None;
            }
            Some(Constraint {
                op,
                version: version.to_owned(),
            })
        }
    };
    Some(PackageRequest::Install {
        name: name.to_owned(),
        constraint,
    })
}

fn architectures(n: Node<'_, '_>, c: &mut Collector) -> Vec<Arch> {
    let mut out = Vec::new();
    for t in n.texts(c).unwrap_or_default() {
        match Arch::parse(&t.value) {
            Some(a) if out.contains(&a) => {
                c.report(
                    t.at,
                    "duplicate",
                    format!("architecture {a} is listed twice"),
                );
            }
            Some(a) => out.push(a),
            None => c.report(
                t.at,
                "invalid-value",
                format!("unknown architecture {:?} (amd64, arm64)", t.value),
            ),
        }
    }
    if out.is_empty() {
        c.report(n.mark(), "invalid-value", "architectures is empty");
    }
    out
}

fn name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-".contains(c))
}

fn accounts(n: Option<Node<'_, '_>>, c: &mut Collector) -> Accounts {
    let mut acc = Accounts {
        groups: Vec::new(),
        users: Vec::new(),
        run_as: "nonroot".to_owned(),
    };
    let Some(m) = n.and_then(|n| n.map(c, &["users", "groups", "run-as"])) else {
        add_nonroot(&mut acc);
        return acc;
    };
    for g in m.get("groups").and_then(|n| n.list(c)).unwrap_or_default() {
        let Some(gm) = g.map(c, &["name", "gid", "members"]) else {
            continue;
        };
        let name = gm.require(c, "name").and_then(|n| n.text(c));
        let gid = gm
            .require(c, "gid")
            .and_then(|n| n.number(c, "gid", MAX_ID));
        let members = gm
            .get("members")
            .and_then(|n| n.texts(c))
            .unwrap_or_default();
        if let (Some(name), Some(gid)) = (name, gid) {
            if !name_ok(&name.value) {
                c.report(
                    name.at,
                    "invalid-value",
                    format!("group name {:?} is not valid", name.value),
                );
            } else if acc
                .groups
                .iter()
                .any(|x| x.name == name.value || u64::from(x.gid) == gid)
            {
                c.report(
                    name.at,
                    "duplicate",
                    format!("group {:?} or gid {gid} is defined twice", name.value),
                );
            }
            acc.groups.push(Group {
                name: name.value,
                gid: u32::try_from(gid).unwrap_or(u32::MAX),
                members: members.into_iter().map(|t| t.value).collect(),
            });
        }
    }
    for u in m.get("users").and_then(|n| n.list(c)).unwrap_or_default() {
        let Some(um) = u.map(c, &["name", "uid", "gid", "home", "shell"]) else {
            continue;
        };
        let name = um.require(c, "name").and_then(|n| n.text(c));
        let uid = um
            .require(c, "uid")
            .and_then(|n| n.number(c, "uid", MAX_ID));
        let gid = match um.get("gid") {
            Some(n) => n.number(c, "gid", MAX_ID),
            None => uid,
        };
        let home = um.get("home").and_then(|n| absolute(n, c, "home"));
        let shell = um.get("shell").and_then(|n| absolute(n, c, "shell"));
        if let (Some(name), Some(uid), Some(gid)) = (name, uid, gid) {
            if !name_ok(&name.value) {
                c.report(
                    name.at,
                    "invalid-value",
                    format!("user name {:?} is not valid", name.value),
                );
            } else if acc
                .users
                .iter()
                .any(|x| x.name == name.value || u64::from(x.uid) == uid)
            {
                c.report(
                    name.at,
                    "duplicate",
                    format!("user {:?} or uid {uid} is defined twice", name.value),
                );
            }
            acc.users.push(User {
                home: home.unwrap_or_else(|| format!("/home/{}", name.value)),
                shell: shell.unwrap_or_else(|| "/sbin/nologin".to_owned()),
                name: name.value,
                uid: u32::try_from(uid).unwrap_or(u32::MAX),
                gid: u32::try_from(gid).unwrap_or(u32::MAX),
            });
        }
    }
    let user_names: BTreeSet<String> = acc.users.iter().map(|u| u.name.clone()).collect();
    if let Some(groups) = m.get("groups").and_then(|n| n.list(c)) {
        for (g, node) in acc.groups.iter().zip(groups) {
            for member in &g.members {
                if !user_names.contains(member) && member != "root" {
                    c.report(
                        node.mark(),
                        "unknown-reference",
                        format!(
                            "group {:?}: member {member:?} is not a user in accounts.users",
                            g.name
                        ),
                    );
                }
            }
        }
    }
    if let Some(t) = m.get("run-as").and_then(|n| n.text(c)) {
        acc.run_as = t.value;
    }
    add_nonroot(&mut acc);
    acc
}

/// Adds the `nonroot` user and group (65532) unless the spec defines them.
fn add_nonroot(acc: &mut Accounts) {
    let id = NONROOT_ID;
    if !acc
        .groups
        .iter()
        .any(|g| g.name == "nonroot" || g.gid == id)
    {
        acc.groups.push(Group {
            name: "nonroot".to_owned(),
            gid: id,
            members: Vec::new(),
        });
    }
    if !acc.users.iter().any(|u| u.name == "nonroot" || u.uid == id) {
        acc.users.push(User {
            name: "nonroot".to_owned(),
            uid: id,
            gid: id,
            home: "/home/nonroot".to_owned(),
            shell: "/sbin/nologin".to_owned(),
        });
    }
}

fn check_run_as(acc: &Accounts, map: &Map<'_, '_>, c: &mut Collector) {
    let at = map
        .get("accounts")
        .and_then(|n| n.map(&mut Collector::new(""), &[]))
        .map_or(Mark { line: 1, col: 1 }, |m| {
            m.get("run-as").map_or(m.at, |n| n.mark())
        });
    check_user_ref(&acc.run_as, acc, at, c);
}

/// `root`, a defined user, `UID` or `UID:GID`.
fn check_user_ref(r: &str, acc: &Accounts, at: Mark, c: &mut Collector) {
    let numeric = {
        let mut parts = r.splitn(2, ':');
        parts.all(|p| !p.is_empty() && p.parse::<u32>().is_ok())
    };
    if r == "root" || numeric || acc.users.iter().any(|u| u.name == r) {
        return;
    }
    c.report(
        at,
        "unknown-reference",
        format!("run-as {r:?} is not root, a user in accounts.users, or UID[:GID]"),
    );
}

/// An exec-form argument list; one string is a list of one (there is no shell).
fn argv(n: Node<'_, '_>, c: &mut Collector) -> Vec<String> {
    let items = n.texts(c).unwrap_or_default();
    items.into_iter().map(|t| t.value).collect()
}

fn env(n: Node<'_, '_>, c: &mut Collector) -> BTreeMap<String, String> {
    let Some(map) = n.string_map(c) else {
        return BTreeMap::new();
    };
    for k in map.keys() {
        let ok = !k.is_empty()
            && !k.starts_with(|ch: char| ch.is_ascii_digit())
            && k.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
        if !ok {
            c.report(
                n.mark(),
                "invalid-value",
                format!("env name {k:?} is not a variable name"),
            );
        }
    }
    map
}

/// An absolute path without `..` or empty parts, normalised (no trailing `/`).
fn absolute(n: Node<'_, '_>, c: &mut Collector, what: &str) -> Option<String> {
    let t = n.text(c)?;
    normal_path(&t.value).or_else(|| {
        c.report(
            t.at,
            "invalid-value",
            format!(
                "{what} {:?} is not an absolute path without . or ..",
                t.value
            ),
        );
        None
    })
}

pub(super) fn normal_path(p: &str) -> Option<String> {
    if !p.starts_with('/') {
        return None;
    }
    let parts: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
    if parts.iter().any(|s| *s == "." || *s == "..") {
        return None;
    }
    Some(format!("/{}", parts.join("/")))
}

fn paths(n: Node<'_, '_>, c: &mut Collector, dir: &Path) -> Vec<PathEntry> {
    const KEYS: &[&str] = &[
        "path", "type", "content", "source", "target", "uid", "gid", "mode",
    ];
    let mut out: Vec<PathEntry> = Vec::new();
    for item in n.list(c).unwrap_or_default() {
        let Some(m) = item.map(c, KEYS) else { continue };
        let path = m.require(c, "path").and_then(|n| absolute(n, c, "path"));
        let ty = m.require(c, "type").and_then(|n| n.text(c));
        let uid = m
            .get("uid")
            .and_then(|n| n.number(c, "uid", MAX_ID))
            .unwrap_or(0);
        let gid = m
            .get("gid")
            .and_then(|n| n.number(c, "gid", MAX_ID))
            .unwrap_or(0);
        let mode = m.get("mode").and_then(|n| mode(n, c));
        let (Some(path), Some(ty)) = (path, ty) else {
            continue;
        };
        let allowed: &[&str] = match ty.value.as_str() {
            "directory" | "permissions" => &[],
            "file" => &["content", "source"],
            "symlink" => &["target"],
            other => {
                c.report(
                    ty.at,
                    "invalid-value",
                    format!("unknown path type {other:?} (directory, file, symlink, permissions)"),
                );
                continue;
            }
        };
        for key in ["content", "source", "target"] {
            if m.get(key).is_some() && !allowed.contains(&key) {
                c.report(
                    m.key_mark(key),
                    "invalid-value",
                    format!("{key:?} does not apply to type {}", ty.value),
                );
            }
        }
        let kind = match ty.value.as_str() {
            "directory" => PathKind::Directory,
            "permissions" => PathKind::Permissions,
            "symlink" => match m.require(c, "target").and_then(|n| n.text(c)) {
                Some(t) if !t.value.is_empty() => PathKind::Symlink { target: t.value },
                Some(t) => {
                    c.report(t.at, "invalid-value", "symlink target is empty");
                    continue;
                }
                None => continue,
            },
            _ => match file_content(&m, c, dir) {
                Some(k) => k,
                None => continue,
            },
        };
        if out.iter().any(|p| p.path == path) {
            c.report(
                m.key_mark("path"),
                "duplicate",
                format!("path {path} is listed twice"),
            );
            continue;
        }
        out.push(PathEntry {
            path,
            kind,
            uid: u32::try_from(uid).unwrap_or(u32::MAX),
            gid: u32::try_from(gid).unwrap_or(u32::MAX),
            mode,
        });
    }
    out
}

fn file_content(m: &Map<'_, '_>, c: &mut Collector, dir: &Path) -> Option<PathKind> {
    match (m.get("content"), m.get("source")) {
        (Some(n), None) => n.text(c).map(|t| PathKind::File {
            content: t.value.into_bytes(),
            source: None,
        }),
        (None, Some(n)) => {
            let t = n.text(c)?;
            let p = dir.join(&t.value);
            let read = std::fs::metadata(&p).and_then(|md| {
                if md.len() > MAX_FILE {
                    Err(std::io::Error::other(format!(
                        "larger than {MAX_FILE} bytes"
                    )))
                } else {
                    std::fs::read(&p)
                }
            });
            match read {
                Ok(content) => Some(PathKind::File {
                    content,
                    source: Some(t.value),
                }),
                Err(e) => {
                    c.report(t.at, "io", format!("reading source {:?}: {e}", t.value));
                    None
                }
            }
        }
        (Some(_), Some(_)) => {
            c.report(
                m.key_mark("source"),
                "invalid-value",
                "a file takes content or source, not both",
            );
            None
        }
        (None, None) => {
            c.report(m.at, "missing-key", "a file needs content or source");
            None
        }
    }
}

/// Permission bits in octal as chmod takes them: `0755`, `755`, `0o755`, quoted or not.
fn mode(n: Node<'_, '_>, c: &mut Collector) -> Option<u32> {
    let t = n.text(c)?;
    let digits = t.value.strip_prefix("0o").unwrap_or(&t.value);
    match u32::from_str_radix(digits, 8) {
        Ok(m) if m <= 0o7777 && !digits.is_empty() => Some(m),
        _ => {
            c.report(
                t.at,
                "invalid-value",
                format!(
                    "mode {:?} is not octal permission bits (0 to 7777)",
                    t.value
                ),
            );
            None
        }
    }
}

fn variants(n: Node<'_, '_>, c: &mut Collector) -> BTreeMap<Variant, VariantSpec> {
    let mut out = BTreeMap::new();
    let Some(m) = n.map(c, &["runtime", "dev"]) else {
        return out;
    };
    for (name, variant) in [("runtime", Variant::Runtime), ("dev", Variant::Dev)] {
        let Some(vm) = m
            .get(name)
            .and_then(|n| n.map(c, &["packages", "run-as", "entrypoint", "cmd", "env"]))
        else {
            continue;
        };
        out.insert(
            variant,
            VariantSpec {
                packages: vm.get("packages").map_or_else(Vec::new, |n| packages(n, c)),
                run_as: vm.get("run-as").and_then(|n| n.text(c)).map(|t| t.value),
                entrypoint: vm.get("entrypoint").map(|n| argv(n, c)),
                cmd: vm.get("cmd").map(|n| argv(n, c)),
                env: vm.get("env").map_or_else(BTreeMap::new, |n| env(n, c)),
            },
        );
    }
    out
}
