//! Images from assembled roots: the same inputs give the same manifest digest; the
//! layout opens with kiln, umoci and skopeo; several architectures give an index; and a
//! root built from the host's own `true` and its libraries runs under `chroot`.

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use kiln_build::image::{self, BuiltImage};
use kiln_build::surface;
use kiln_build::{AssemblyInput, ImageSettings, PackageInput, Variant, assemble};
use kiln_oci::fs::MergedFs;
use kiln_oci::{Image, OpenOptions, Target};
use kiln_test::deb::DebSpec;
use kiln_test::fixture::require_tool;
use kiln_types::Platform;

fn settings() -> ImageSettings {
    ImageSettings {
        entrypoint: Some(vec!["/usr/bin/hello".to_owned()]),
        cmd: Some(vec!["--greeting".to_owned(), "hi".to_owned()]),
        env: BTreeMap::from([
            ("TZ".to_owned(), "UTC".to_owned()),
            ("A".to_owned(), "1".to_owned()),
        ]),
        workdir: Some("/home/nonroot".to_owned()),
        labels: BTreeMap::from([("org.example.name".to_owned(), "hello".to_owned())]),
        annotations: BTreeMap::new(),
        stop_signal: None,
    }
}

fn build(packages: Vec<PackageInput>, epoch: Option<u64>) -> BuiltImage {
    let mut input = AssemblyInput::new("amd64", packages);
    input.source_date_epoch = epoch;
    image::build(&assemble(&input).unwrap(), &settings()).unwrap()
}

fn write_layout(images: &[BuiltImage], dir: &Path, tag: &str) -> kiln_oci::manifest::RawManifest {
    let target = Target::parse(&format!("oci:{}:{tag}", dir.display())).unwrap();
    let dest = target.create(&OpenOptions::default(), None).unwrap();
    image::write(images, &BTreeMap::new(), dest).unwrap()
}

#[test]
fn same_inputs_give_the_same_digest() {
    let work = tempfile::tempdir().unwrap();
    let packages = support::packages(work.path());
    let mut reversed = packages.clone();
    reversed.reverse();
    let a = build(packages.clone(), Some(1_700_000_000));
    let b = build(reversed, Some(1_700_000_000));
    assert_eq!(a.manifest.digest, b.manifest.digest);
    assert_eq!(a.manifest.bytes, b.manifest.bytes);
    assert_eq!(a.layer.compressed, b.layer.compressed);
    let mut input = AssemblyInput::new("amd64", packages.clone());
    input.source_date_epoch = Some(1_700_000_000);
    let (_, verified) = image::build_verified(&input, &settings()).unwrap();
    assert_eq!(verified.manifest.digest, a.manifest.digest);
    // The epoch is part of the image: another one gives another digest.
    let c = build(packages.clone(), Some(1_700_000_001));
    assert_ne!(a.manifest.digest, c.manifest.digest);
    assert_eq!(
        a.layer.compressed[..10],
        [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]
    );

    // Without SOURCE_DATE_EPOCH the newest package mtime is the epoch.
    let input = AssemblyInput::new("amd64", packages);
    let assembled = assemble(&input).unwrap();
    let newest = assembled
        .packages
        .iter()
        .map(|p| p.newest_mtime)
        .max()
        .unwrap();
    assert!(newest > 1_600_000_000, "{newest}");
    assert_eq!(assembled.epoch, newest);

    // The config: created = the epoch, env sorted with PATH, user numeric.
    let config: serde_json::Value = serde_json::from_slice(&a.config).unwrap();
    assert_eq!(config["created"], "2023-11-14T22:13:20Z");
    assert_eq!(config["config"]["User"], "65532:65532");
    assert_eq!(
        config["config"]["Env"],
        serde_json::json!([
            "A=1",
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "TZ=UTC"
        ])
    );
    assert_eq!(config["config"]["Entrypoint"][0], "/usr/bin/hello");
    assert_eq!(config["architecture"], "amd64");
}

#[test]
fn layout_opens_with_kiln_umoci_and_skopeo() {
    let work = tempfile::tempdir().unwrap();
    let built = build(support::packages(work.path()), Some(1_700_000_000));
    let dir = work.path().join("layout");
    let root = write_layout(std::slice::from_ref(&built), &dir, "1.0");
    assert_eq!(root.digest, built.manifest.digest);

    // kiln reads it back: the records and accounts are in the merged view.
    let src = Target::parse(&format!("oci:{}:1.0", dir.display()))
        .unwrap()
        .open(&OpenOptions::default())
        .unwrap();
    let img = Image::resolve(src.as_ref(), None).unwrap();
    assert_eq!(img.manifest.digest, built.manifest.digest);
    let capture = |p: &str, _: u64| p == "/etc/passwd";
    let fs = MergedFs::from_image(src.as_ref(), &img, &capture).unwrap();
    assert!(fs.get("/var/lib/dpkg/status.d/hello").is_some());
    assert!(String::from_utf8_lossy(fs.read("/etc/passwd").unwrap()).contains("nonroot:x:65532"));
    let entry = fs.get("/home/nonroot").unwrap();
    assert_eq!(
        (entry.uid, entry.gid, entry.mtime),
        (65532, 65532, 1_700_000_000)
    );
    assert!(fs.anomalies().is_empty(), "{:?}", fs.anomalies());

    let skopeo = Command::new(require_tool("skopeo"))
        .arg("inspect")
        .arg(format!("oci:{}:1.0", dir.display()))
        .output()
        .unwrap();
    assert!(
        skopeo.status.success(),
        "{}",
        String::from_utf8_lossy(&skopeo.stderr)
    );
    let info: serde_json::Value = serde_json::from_slice(&skopeo.stdout).unwrap();
    assert_eq!(info["Digest"], built.manifest.digest.to_string());
    assert_eq!(info["Architecture"], "amd64");
    assert_eq!(info["Layers"][0], built.layer.digest.to_string());

    let umoci = Command::new(require_tool("umoci"))
        .args(["stat", "--json", "--image"])
        .arg(format!("{}:1.0", dir.display()))
        .output()
        .unwrap();
    assert!(
        umoci.status.success(),
        "{}",
        String::from_utf8_lossy(&umoci.stderr)
    );
    let stat = String::from_utf8_lossy(&umoci.stdout);
    assert!(stat.contains("kiln build: 7 Debian packages"), "{stat}");
}

#[test]
fn surface_of_a_built_image_has_no_shell_manager_or_setuid() {
    let work = tempfile::tempdir().unwrap();
    let packages = support::packages(work.path());
    let measure = |variant| {
        let mut input = AssemblyInput::new("amd64", packages.clone());
        input.variant = variant;
        input.source_date_epoch = Some(0);
        let built = image::build(&assemble(&input).unwrap(), &settings()).unwrap();
        let dir = work.path().join(format!("{variant:?}"));
        write_layout(&[built], &dir, "1");
        let src = Target::parse(&format!("oci:{}:1", dir.display()))
            .unwrap()
            .open(&OpenOptions::default())
            .unwrap();
        let img = Image::resolve(src.as_ref(), None).unwrap();
        let fs = MergedFs::from_image(src.as_ref(), &img, &surface::capture).unwrap();
        surface::measure(&fs)
    };
    let runtime = measure(Variant::Runtime);
    assert_eq!(runtime.packages, 7);
    assert!(runtime.shells.is_empty() && runtime.package_managers.is_empty());
    assert!(runtime.setuid.is_empty());
    // hello and the (no longer setuid) su are the executables left.
    assert_eq!(runtime.executables, 2);
    let dev = measure(Variant::Dev);
    assert_eq!(dev.packages, 7);
    assert_eq!(
        dev.shells,
        ["/usr/bin/bash", "/usr/bin/rbash", "/usr/bin/sh"]
    );
    assert_eq!(
        dev.package_managers,
        [
            "/usr/bin/apt",
            "/usr/bin/apt-get",
            "/usr/bin/dpkg",
            "/usr/bin/dpkg-deb"
        ]
    );
    assert_eq!(dev.setuid, ["/usr/bin/su"]);
    let r = surface::reduction(&runtime, &dev);
    assert_eq!(
        (r.shells, r.package_managers, r.setuid),
        (Some(100.0), Some(100.0), Some(100.0))
    );
    assert!(r.files.unwrap() > 0.0 && r.bytes.unwrap() > 0.0, "{r:?}");
}

#[test]
fn two_architectures_give_an_index() {
    let work = tempfile::tempdir().unwrap();
    let mut images = Vec::new();
    for arch in ["amd64", "arm64"] {
        let deb = DebSpec::new("hello", "1.0", arch)
            .file("/usr/bin/hello", format!("\x7fELF {arch}").as_bytes())
            .mode("/usr/bin/hello", 0o755)
            .build(&work.path().join(arch).tap_mkdir());
        let mut input = AssemblyInput::new(arch, vec![PackageInput::new(deb)]);
        input.source_date_epoch = Some(0);
        images.push(image::build(&assemble(&input).unwrap(), &ImageSettings::default()).unwrap());
    }
    let dir = work.path().join("layout");
    let root = write_layout(&images, &dir, "multi");
    assert_eq!(root.media_type, kiln_oci::media_type::OCI_INDEX);
    let src = Target::parse(&format!("oci:{}:multi", dir.display()))
        .unwrap()
        .open(&OpenOptions::default())
        .unwrap();
    let arm = Image::resolve(
        src.as_ref(),
        Some(&Platform::new("linux", "arm64", Some("v8"))),
    )
    .unwrap();
    assert_eq!(arm.manifest.digest, images[1].manifest.digest);
    assert_eq!(arm.config.architecture, "arm64");
    assert_eq!(arm.platforms.len(), 2);
    let raw = Command::new(require_tool("skopeo"))
        .args(["inspect", "--raw"])
        .arg(format!("oci:{}:multi", dir.display()))
        .output()
        .unwrap();
    assert!(
        raw.status.success(),
        "{}",
        String::from_utf8_lossy(&raw.stderr)
    );
    assert_eq!(raw.stdout, root.bytes);
}

/// A root made of the host's own `/bin/true` and the libraries `ldd` names runs under
/// `chroot`, as the nonroot user too; the hardened root has no shell to run.
#[test]
fn host_true_runs_in_the_assembled_root() {
    let uid = Command::new("id").arg("-u").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&uid.stdout).trim(),
        "0",
        "this test runs chroot and must run as root"
    );
    let work = tempfile::tempdir().unwrap();
    let ldd = Command::new(require_tool("ldd"))
        .arg("/bin/true")
        .output()
        .unwrap();
    assert!(ldd.status.success());
    let mut spec = DebSpec::new("true-bin", "1.0", "amd64")
        .file("/bin/true", &std::fs::read("/bin/true").unwrap())
        .mode("/bin/true", 0o755);
    for line in String::from_utf8_lossy(&ldd.stdout).lines() {
        let path = line
            .split_whitespace()
            .find(|w| w.starts_with('/'))
            .map(str::to_owned);
        if let Some(path) = path {
            spec = spec
                .file(&path, &std::fs::read(&path).unwrap())
                .mode(&path, 0o755);
        }
    }
    assert!(
        spec.files.len() >= 3,
        "true plus libc and the loader: {:?}",
        spec.files.len()
    );
    let deb = spec.build(work.path());
    let mut input = AssemblyInput::new("amd64", vec![PackageInput::new(deb)]);
    input.source_date_epoch = Some(0);
    let built = image::build(&assemble(&input).unwrap(), &ImageSettings::default()).unwrap();
    let dir = work.path().join("layout");
    write_layout(&[built], &dir, "t");
    let src = Target::parse(&format!("oci:{}:t", dir.display()))
        .unwrap()
        .open(&OpenOptions::default())
        .unwrap();
    let img = Image::resolve(src.as_ref(), None).unwrap();
    let rootfs = work.path().join("rootfs");
    kiln_oci::unpack::unpack_image(src.as_ref(), &img, &rootfs).unwrap();

    let chroot = require_tool("chroot");
    let run = |args: &[&str]| Command::new(&chroot).args(args).output().unwrap();
    let root_arg = rootfs.to_str().unwrap();
    let ok = run(&[root_arg, "/bin/true"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let nonroot = run(&["--userspec=65532:65532", root_arg, "/bin/true"]);
    assert!(
        nonroot.status.success(),
        "{}",
        String::from_utf8_lossy(&nonroot.stderr)
    );
    let shell = run(&[root_arg, "/bin/sh", "-c", "true"]);
    assert!(
        !shell.status.success(),
        "the runtime root must have no shell"
    );
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for std::path::PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}
