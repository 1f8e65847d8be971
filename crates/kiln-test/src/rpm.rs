//! A real rpm database: two packages built with `rpmbuild` and installed with Debian's
//! `rpm --root` into a Rocky-like root, as an RPM-based image has them.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::fixture::require_tool;

const HELLO: &str = "\
Name: kiln-hello
Version: 1.2
Release: 3.el9
Epoch: 1
Summary: A greeting for kiln tests
License: MIT AND (BSD-3-Clause OR GPL-2.0-or-later)
Vendor: Kiln Tests
BuildArch: noarch

%description
A package built by the kiln test suite.

%install
mkdir -p %{buildroot}/usr/share/kiln-hello
echo hello > %{buildroot}/usr/share/kiln-hello/hello.txt
echo bye > %{buildroot}/usr/share/kiln-hello/bye.txt

%files
/usr/share/kiln-hello/hello.txt
/usr/share/kiln-hello/bye.txt
";

const USER: &str = "\
Name: kiln-user
Version: 0.9
Release: 1
Summary: Depends on kiln-hello
License: Apache-2.0
BuildArch: noarch
Requires: kiln-hello

%description
Uses kiln-hello.

%install
mkdir -p %{buildroot}/usr/bin
echo '#!/bin/sh' > %{buildroot}/usr/bin/kiln-user

%files
/usr/bin/kiln-user
";

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("running an rpm tool");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn rpmbuild(work: &Path, spec: &str, name: &str) -> PathBuf {
    let spec_path = work.join(format!("{name}.spec"));
    std::fs::write(&spec_path, spec).expect("writing an rpm spec");
    let top = work.join("rpmbuild");
    run(Command::new(require_tool("rpmbuild"))
        .arg("--define")
        .arg(format!("_topdir {}", top.display()))
        .args(["--define", "_build_id_links none", "--quiet", "-bb"])
        .arg(&spec_path));
    let dir = top.join("RPMS/noarch");
    std::fs::read_dir(&dir)
        .expect("rpmbuild writes RPMS/noarch")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|f| f.to_string_lossy().starts_with(&format!("{name}-")))
        })
        .expect("rpmbuild wrote the package")
}

/// A Rocky-like root in `work/root` (os-release and redhat-release) with kiln-hello
/// (epoch 1, two files, an SPDX licence expression) and kiln-user (requires kiln-hello)
/// installed by rpm into `/var/lib/rpm/rpmdb.sqlite`.
pub fn rocky_root(work: &Path) -> PathBuf {
    let rpm = require_tool("rpm");
    let root = work.join("root");
    std::fs::create_dir_all(root.join("etc")).expect("making the root's /etc");
    std::fs::write(
        root.join("etc/os-release"),
        "NAME=\"Rocky Linux\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.4\"\n",
    )
    .expect("writing os-release");
    std::fs::write(
        root.join("etc/redhat-release"),
        "Rocky Linux release 9.4 (Blue Onyx)\n",
    )
    .expect("writing redhat-release");
    let hello = rpmbuild(work, HELLO, "kiln-hello");
    let user = rpmbuild(work, USER, "kiln-user");
    let rpm_root = |c: &mut Command| {
        c.arg("--root")
            .arg(&root)
            .args(["--dbpath", "/var/lib/rpm"]);
    };
    let mut init = Command::new(&rpm);
    rpm_root(&mut init);
    run(init.arg("--initdb"));
    let mut install = Command::new(&rpm);
    rpm_root(&mut install);
    run(install
        .args([
            "-i",
            "--nodeps",
            "--ignorearch",
            "--noscripts",
            "--notriggers",
        ])
        .arg(&hello)
        .arg(&user));
    assert!(
        root.join("var/lib/rpm/rpmdb.sqlite").exists(),
        "Debian's rpm writes the sqlite backend"
    );
    root
}
