//! Library directories the dynamic linker would only find through `ld.so.cache` (which
//! `ldconfig`, run by libc-bin's trigger, would write): those named in
//! `/etc/ld.so.conf.d/*.conf` that hold shared objects but are not on glibc's built-in
//! path for the architecture.

use kiln_oci::fs::path;

use crate::rootfs::{NodeKind, Rootfs};

/// The Debian multiarch triplet of an architecture.
pub fn triplet(architecture: &str) -> Option<&'static str> {
    Some(match architecture {
        "amd64" => "x86_64-linux-gnu",
        "arm64" => "aarch64-linux-gnu",
        "armhf" => "arm-linux-gnueabihf",
        "armel" => "arm-linux-gnueabi",
        "i386" => "i386-linux-gnu",
        "ppc64el" => "powerpc64le-linux-gnu",
        "s390x" => "s390x-linux-gnu",
        "riscv64" => "riscv64-linux-gnu",
        "mips64el" => "mips64el-linux-gnuabi64",
        _ => return None,
    })
}

/// The directories that hold libraries but need the cache, sorted.
pub fn extra_library_dirs(root: &Rootfs, architecture: &str) -> Vec<String> {
    let mut builtin = vec!["/lib".to_owned(), "/usr/lib".to_owned()];
    if let Some(t) = triplet(architecture) {
        builtin.push(format!("/lib/{t}"));
        builtin.push(format!("/usr/lib/{t}"));
    }
    let confs: Vec<String> = root
        .below("/etc/ld.so.conf.d")
        .filter(|(p, _)| p.ends_with(".conf"))
        .map(|(p, _)| p.to_owned())
        .collect();
    let mut dirs = Vec::new();
    for conf in confs {
        let Some(text) = root
            .read(&conf)
            .map(|b| String::from_utf8_lossy(b).into_owned())
        else {
            continue;
        };
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') || line.starts_with("include") {
                continue;
            }
            let Ok(normal) = path::normalize(line) else {
                continue;
            };
            let dir = normal.path;
            let Some(resolved) = root.resolve(&dir) else {
                continue;
            };
            let builtin_resolved = builtin
                .iter()
                .any(|b| root.resolve(b).as_deref() == Some(resolved.as_str()) || *b == dir);
            let has_libs = root.below(&resolved).any(|(p, n)| {
                path::parent(p) == resolved
                    && path::file_name(p).contains(".so")
                    && matches!(n.kind, NodeKind::File(_) | NodeKind::Symlink(_))
            });
            if !builtin_resolved && has_libs && !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
    }
    dirs.sort();
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rootfs::Node;

    #[test]
    fn only_configured_dirs_with_libraries_off_the_builtin_path() {
        let mut root = Rootfs::new();
        let conf = "# multiarch\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n\
                    /usr/lib/x86_64-linux-gnu\n/opt/app/lib\n/opt/empty\ninclude /etc/x/*.conf\n";
        root.insert(
            "/etc/ld.so.conf.d/a.conf",
            Node::file(conf.as_bytes().to_vec()),
        )
        .unwrap();
        for lib in [
            "/usr/lib/x86_64-linux-gnu/libc.so.6",
            "/opt/app/lib/libapp.so.1",
            "/opt/empty/README",
        ] {
            root.insert(lib, Node::file(b"x".to_vec())).unwrap();
        }
        root.insert("/lib", Node::symlink("usr/lib")).unwrap();
        assert_eq!(extra_library_dirs(&root, "amd64"), ["/opt/app/lib"]);
        assert_eq!(triplet("arm64"), Some("aarch64-linux-gnu"));
        assert_eq!(triplet("m68k"), None);
    }
}
