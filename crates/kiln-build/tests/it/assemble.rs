//! Assembly over real `.deb` files built with dpkg-deb (gzip, xz and zstd members): the
//! tree, the package records, the accounts, the CA bundle, hardening, and the dev
//! variant.

use crate::support;

use kiln_build::rootfs::NodeKind;
use kiln_build::{AssemblyInput, ExtraPath, ExtraPathKind, Variant, assemble};

use support::{packages, read_str};

#[test]
fn runtime_root_has_records_accounts_bundle_and_no_shell() {
    let work = tempfile::tempdir().unwrap();
    let input = AssemblyInput::new("amd64", packages(work.path()));
    let a = assemble(&input).unwrap();
    let root = &a.rootfs;

    // Every package recorded, distroless style.
    let names: Vec<&str> = a.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "apt",
            "base-files",
            "bash",
            "ca-certificates",
            "dpkg",
            "hello",
            "login"
        ]
    );
    let bash = read_str(root, "/var/lib/dpkg/status.d/bash");
    assert!(
        bash.starts_with("Package: bash\nStatus: install ok installed\n"),
        "{bash}"
    );
    assert!(bash.contains("Version: 5.2.15-2+b7\n"));
    assert!(bash.contains("Description: bash for kiln tests\n A package built by the test suite.\n .\n Second paragraph.\n"), "{bash}");
    // md5sums list only files still in the root: bash's binary went, its copyright stays.
    let md5 = read_str(root, "/var/lib/dpkg/status.d/bash.md5sums");
    assert!(md5.ends_with("  usr/share/doc/bash/copyright\n"), "{md5}");
    assert!(!md5.contains("bin/bash"), "{md5}");
    let md5 = read_str(root, "/var/lib/dpkg/status.d/base-files.md5sums");
    assert!(md5.contains("  usr/lib/os-release\n"), "{md5}");
    assert!(md5.contains("  usr/share/doc/base-files/copyright\n"));
    assert!(!md5.contains("changelog"), "{md5}");

    // Accounts: nonroot by default, no shadow file, home owned by the user.
    let passwd = read_str(root, "/etc/passwd");
    assert!(passwd.contains("nonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin\n"));
    assert!(
        passwd.starts_with("root:x:0:0:root:/root:/usr/sbin/nologin\n"),
        "{passwd}"
    );
    assert!(read_str(root, "/etc/group").contains("nonroot:x:65532:\n"));
    assert!(root.get("/etc/shadow").is_none());
    let home = root.get("/home/nonroot").unwrap();
    assert_eq!((home.uid, home.gid, home.is_dir()), (65532, 65532, true));
    assert_eq!(a.user, "65532:65532");
    assert_eq!(root.get("/tmp").unwrap().mode, 0o1777);

    // The CA bundle: both certificates, in path order.
    let bundle = read_str(root, "/etc/ssl/certs/ca-certificates.crt");
    assert_eq!(bundle, format!("{}{}\n", support::CERT_A, support::CERT_B));

    // os-release kept from base-files.
    assert!(read_str(root, "/etc/os-release").contains("ID=debian"));

    // Hardening: shells and links to them, package managers, setuid bits, docs, locales.
    assert_eq!(
        a.hardening.shells,
        ["/usr/bin/bash", "/usr/bin/rbash", "/usr/bin/sh"]
    );
    assert_eq!(
        a.hardening.package_managers,
        [
            "/usr/bin/apt",
            "/usr/bin/apt-get",
            "/usr/bin/dpkg",
            "/usr/bin/dpkg-deb"
        ]
    );
    assert_eq!(a.hardening.setuid_cleared, ["/usr/bin/su"]);
    assert_eq!(root.get("/usr/bin/su").unwrap().mode, 0o755);
    for gone in [
        "/usr/bin/bash",
        "/bin/bash",
        "/usr/bin/apt-get",
        "/usr/share/man/man1/hello.1.gz",
    ] {
        assert!(
            root.resolve(gone)
                .and_then(|p| root.get(&p).cloned())
                .is_none(),
            "{gone}"
        );
    }
    assert!(root.get("/usr/share/doc/base-files/changelog.gz").is_none());
    assert!(root.get("/usr/share/doc/base-files/copyright").is_some());
    assert!(
        root.get("/usr/share/locale/de/LC_MESSAGES/hello.mo")
            .is_none()
    );
    assert!(root.get("/usr/share/locale/de").is_none());
    assert_eq!(a.hardening.docs_removed, 4, "{:?}", a.hardening);
    assert_eq!(a.hardening.locales_removed, 3, "{:?}", a.hardening);
    // The application itself stays executable.
    assert_eq!(root.get("/usr/bin/hello").unwrap().mode, 0o755);
    assert!(matches!(
        root.get("/usr/bin/hello").unwrap().kind,
        NodeKind::File(_)
    ));
    // Maintainer scripts are listed, not run.
    let hello = a.packages.iter().find(|p| p.name == "hello").unwrap();
    assert_eq!(hello.scripts, ["postinst"]);
    assert!(root.get("/postinst-ran").is_none());
}

#[test]
fn dev_variant_keeps_shell_apt_and_setuid_and_runs_as_root() {
    let work = tempfile::tempdir().unwrap();
    let mut input = AssemblyInput::new("amd64", packages(work.path()));
    input.variant = Variant::Dev;
    input.keep_docs = true;
    let a = assemble(&input).unwrap();
    assert_eq!(a.user, "0:0");
    assert!(a.hardening.shells.is_empty() && a.hardening.package_managers.is_empty());
    assert!(
        a.rootfs.read("/bin/bash").is_some(),
        "/bin resolves to /usr/bin"
    );
    assert!(a.rootfs.get("/usr/bin/apt-get").is_some());
    assert_eq!(a.rootfs.get("/usr/bin/su").unwrap().mode, 0o4755);
    assert!(a.rootfs.get("/usr/share/man/man1/hello.1.gz").is_some());
    assert!(
        a.rootfs
            .get("/usr/share/locale/de/LC_MESSAGES/hello.mo")
            .is_none()
    );
    assert!(read_str(&a.rootfs, "/etc/passwd").starts_with("root:x:0:0:root:/root:/bin/sh\n"));
}

#[test]
fn extra_paths_accounts_and_run_as() {
    let work = tempfile::tempdir().unwrap();
    let mut input = AssemblyInput::new("amd64", packages(work.path()));
    input
        .accounts
        .users
        .push(kiln_build::User::new("app", 1000, 1000));
    input
        .accounts
        .groups
        .push(kiln_build::Group::new("app", 1000));
    input.accounts.run_as = Some("app".to_owned());
    let mut data = ExtraPath::new("/srv/data", ExtraPathKind::Directory);
    (data.uid, data.gid, data.mode) = (Some(1000), Some(1000), Some(0o700));
    input.paths = vec![
        data,
        ExtraPath::new(
            "/etc/app.conf",
            ExtraPathKind::File {
                content: b"x=1\n".to_vec(),
            },
        ),
        ExtraPath::new(
            "/usr/bin/hi",
            ExtraPathKind::Symlink {
                target: "hello".to_owned(),
            },
        ),
        ExtraPath {
            mode: Some(0o700),
            ..ExtraPath::new("/usr/bin/hello", ExtraPathKind::Permissions)
        },
    ];
    let a = assemble(&input).unwrap();
    assert_eq!(a.user, "1000:1000");
    let srv = a.rootfs.get("/srv/data").unwrap();
    assert_eq!((srv.uid, srv.gid, srv.mode), (1000, 1000, 0o700));
    assert_eq!(read_str(&a.rootfs, "/etc/app.conf"), "x=1\n");
    assert_eq!(a.rootfs.resolve("/usr/bin/hi").unwrap(), "/usr/bin/hello");
    assert_eq!(a.rootfs.get("/usr/bin/hello").unwrap().mode, 0o700);

    // Bad inputs name what is wrong.
    let mut bad = input.clone();
    bad.accounts.run_as = Some("nobody-here".to_owned());
    let e = assemble(&bad).unwrap_err().to_string();
    assert!(e.contains("run-as \"nobody-here\": no such user"), "{e}");
    let mut bad = input.clone();
    bad.accounts
        .users
        .push(kiln_build::User::new("other", 1000, 1000));
    let e = assemble(&bad).unwrap_err().to_string();
    assert!(e.contains("uid 1000, which \"app\" has already"), "{e}");
    let mut bad = input.clone();
    bad.paths = vec![ExtraPath::new("/nope", ExtraPathKind::Permissions)];
    let e = assemble(&bad).unwrap_err().to_string();
    assert!(
        e.contains("path /nope: permissions for a path that does not exist"),
        "{e}"
    );
    let mut bad = input;
    bad.architecture = "arm64".to_owned();
    let e = assemble(&bad).unwrap_err().to_string();
    assert!(e.contains("architecture amd64 in a arm64 image"), "{e}");
}
