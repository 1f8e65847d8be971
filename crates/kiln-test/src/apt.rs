//! A real signed apt repository made in a test: `.deb` files built with `dpkg-deb`
//! ([`DebSpec`]), indexes by `apt-ftparchive packages`/`release`, `InRelease` and
//! `Release.gpg` signed by `gpg` with a throwaway key in a temp `GNUPGHOME`, served by
//! a small static HTTP server on 127.0.0.1. Helpers break it after signing: rewrite a
//! Packages index, replace a `.deb`, re-sign with another key, tamper with InRelease.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::deb::DebSpec;
use crate::fixture::require_tool;

/// A throwaway OpenPGP key in its own `GNUPGHOME`.
#[derive(Debug)]
pub struct TestKey {
    home: tempfile::TempDir,
    fingerprint: String,
    /// gpg's clock for every operation (`--faked-system-time`), if not the real one.
    clock: Option<String>,
}

fn gpg(home: &Path, clock: Option<&str>) -> Command {
    let mut c = Command::new(require_tool("gpg"));
    if let Some(t) = clock {
        c.args(["--faked-system-time", t]);
    }
    c.arg("--homedir").arg(home).args([
        "--batch",
        "--yes",
        "--quiet",
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        "",
    ]);
    c
}

fn run(mut c: Command, what: &str) -> Vec<u8> {
    let out = c.output().unwrap_or_else(|e| panic!("running {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

impl TestKey {
    /// Generates a signing key with `gpg --quick-gen-key` (`algo`: `ed25519`,
    /// `rsa2048`, …).
    pub fn generate(name: &str, algo: &str) -> TestKey {
        TestKey::generate_with(name, algo, "never", None)
    }

    /// A key made on 2020-01-01 that expired a day later; it signs with gpg's clock
    /// set to that day, so its signatures are valid but the key is expired now.
    pub fn generate_expired(name: &str) -> TestKey {
        TestKey::generate_with(name, "ed25519", "1d", Some("20200101T120000!"))
    }

    fn generate_with(name: &str, algo: &str, expire: &str, clock: Option<&str>) -> TestKey {
        let home = tempfile::Builder::new()
            .prefix("kg")
            .tempdir()
            .expect("creating GNUPGHOME");
        let mut c = gpg(home.path(), clock);
        c.args([
            "--quick-gen-key",
            &format!("{name} <{name}@kiln.invalid>"),
            algo,
            "sign",
            expire,
        ]);
        run(c, "gpg --quick-gen-key");
        let mut c = gpg(home.path(), clock);
        c.args(["--with-colons", "--list-keys"]);
        let listing = String::from_utf8(run(c, "gpg --list-keys")).expect("gpg output is text");
        let fingerprint = listing
            .lines()
            .find_map(|l| l.strip_prefix("fpr:"))
            .and_then(|l| l.split(':').find(|f| !f.is_empty()))
            .expect("gpg lists a fingerprint")
            .to_owned();
        TestKey {
            home,
            fingerprint,
            clock: clock.map(str::to_owned),
        }
    }

    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The public key, binary (`armor` false, like a `.gpg` keyring) or armored.
    pub fn export(&self, armor: bool) -> Vec<u8> {
        let mut c = gpg(self.home.path(), self.clock.as_deref());
        if armor {
            c.arg("--armor");
        }
        c.args(["--export", &self.fingerprint]);
        run(c, "gpg --export")
    }

    /// Cleartext-signs `input` into `output` (an `InRelease`).
    pub fn clearsign(&self, input: &Path, output: &Path) {
        let mut c = gpg(self.home.path(), self.clock.as_deref());
        c.args([
            "--local-user",
            &self.fingerprint,
            "--digest-algo",
            "SHA256",
            "--clearsign",
            "-o",
        ])
        .arg(output)
        .arg(input);
        run(c, "gpg --clearsign");
    }

    /// Writes an armored detached signature of `input` to `output` (a `Release.gpg`).
    pub fn detach_sign(&self, input: &Path, output: &Path) {
        let mut c = gpg(self.home.path(), self.clock.as_deref());
        c.args([
            "--local-user",
            &self.fingerprint,
            "--digest-algo",
            "SHA256",
            "--armor",
            "--detach-sign",
            "-o",
        ])
        .arg(output)
        .arg(input);
        run(c, "gpg --detach-sign");
    }
}

impl Drop for TestKey {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .arg("--homedir")
            .arg(self.home.path())
            .args(["--kill", "gpg-agent"])
            .output();
    }
}

/// A static file server on 127.0.0.1 serving one directory; logs request paths.
#[derive(Debug)]
pub struct StaticServer {
    port: u16,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<String>>>,
}

fn serve(root: &Path, stream: TcpStream, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(&stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    loop {
        let mut h = String::new();
        match reader.read_line(&mut h) {
            Ok(0) | Err(_) => break,
            Ok(_) if h.trim().is_empty() => break,
            Ok(_) => {}
        }
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    log.lock().expect("log lock").push(path.clone());
    let rel = path.trim_start_matches('/');
    let file = (!rel.split('/').any(|c| c == ".."))
        .then(|| root.join(rel))
        .filter(|p| p.is_file());
    let mut out = &stream;
    let _ = match file.and_then(|p| std::fs::read(p).ok()) {
        Some(body) => out
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .as_bytes(),
            )
            .and_then(|()| out.write_all(&body)),
        None => out
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    };
}

impl StaticServer {
    /// Serves `root` on a free loopback port until dropped.
    pub fn start(root: &Path) -> StaticServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (root, stop2, log2) = (root.to_owned(), stop.clone(), log.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (root, log) = (root.clone(), log2.clone());
                std::thread::spawn(move || serve(&root, stream, &log));
            }
        });
        StaticServer { port, stop, log }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Paths requested so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.log.lock().expect("log lock").clone()
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// A signed apt repository (one suite, any components, `binary-ARCH` and `binary-all`)
/// served on loopback.
#[derive(Debug)]
pub struct AptRepo {
    dir: tempfile::TempDir,
    key: TestKey,
    server: StaticServer,
    suite: String,
    debs: Vec<(String, DebSpec, PathBuf)>,
    built: usize,
}

impl AptRepo {
    /// An empty repository for suite `stable` (codename `kiln`) signed by a fresh
    /// ed25519 key.
    pub fn new() -> AptRepo {
        AptRepo::with_key(TestKey::generate("kiln-archive", "ed25519"))
    }

    /// An empty repository signed by `key`.
    pub fn with_key(key: TestKey) -> AptRepo {
        let dir = tempfile::tempdir().expect("creating repository dir");
        std::fs::create_dir_all(dir.path().join("repo")).expect("creating repo dir");
        let server = StaticServer::start(&dir.path().join("repo"));
        AptRepo {
            dir,
            key,
            server,
            suite: "stable".into(),
            debs: Vec::new(),
            built: 0,
        }
    }

    /// The served archive root.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    /// The archive URI (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn suite(&self) -> &str {
        &self.suite
    }

    pub fn key(&self) -> &TestKey {
        &self.key
    }

    pub fn server(&self) -> &StaticServer {
        &self.server
    }

    /// `dists/<suite>` on disk.
    pub fn dist_dir(&self) -> PathBuf {
        self.root().join("dists").join(&self.suite)
    }

    /// Writes the archive's public key into the temp dir (`archive.gpg` binary or
    /// `archive.asc` armored) and returns its path.
    pub fn keyring_file(&self, armor: bool) -> PathBuf {
        let p = self
            .dir
            .path()
            .join(if armor { "archive.asc" } else { "archive.gpg" });
        std::fs::write(&p, self.key.export(armor)).expect("writing keyring");
        p
    }

    /// A deb822 `.sources` entry for this repository with `Signed-By` the given path.
    pub fn sources_entry(&self, components: &str, signed_by: &Path) -> String {
        format!(
            "Types: deb\nURIs: {}/\nSuites: {}\nComponents: {components}\nSigned-By: {}\n",
            self.url(),
            self.suite,
            signed_by.display()
        )
    }

    /// Builds `spec` into `pool/<component>/`; [`AptRepo::publish`] indexes it.
    pub fn add(&mut self, component: &str, spec: DebSpec) -> PathBuf {
        self.built += 1;
        let work = self.dir.path().join("work").join(self.built.to_string());
        std::fs::create_dir_all(&work).expect("creating work dir");
        let deb = spec.build(&work);
        let pool = self.root().join("pool").join(component);
        std::fs::create_dir_all(&pool).expect("creating pool");
        let dest = pool.join(deb.file_name().expect("deb has a name"));
        std::fs::rename(&deb, &dest).expect("moving deb into the pool");
        self.debs.push((component.to_owned(), spec, dest.clone()));
        dest
    }

    /// Writes every Packages index (plain, `.gz`, `.xz`), Release (with `extra`
    /// fields appended, e.g. `Valid-Until: …`), InRelease and Release.gpg.
    pub fn publish_with(&self, extra: &str) {
        let root = self.root();
        let dist = self.dist_dir();
        let _ = std::fs::remove_dir_all(&dist);
        let mut components: Vec<&str> = self.debs.iter().map(|(c, _, _)| c.as_str()).collect();
        components.sort_unstable();
        components.dedup();
        let mut arches = vec!["all".to_owned()];
        for comp in &components {
            let mut c = Command::new(require_tool("apt-ftparchive"));
            c.current_dir(&root)
                .args(["packages", &format!("pool/{comp}")]);
            let text = String::from_utf8(run(c, "apt-ftparchive packages")).expect("text");
            let mut by_arch: std::collections::BTreeMap<String, String> = Default::default();
            for para in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
                let arch = para
                    .lines()
                    .find_map(|l| l.strip_prefix("Architecture: "))
                    .expect("record has an Architecture")
                    .to_owned();
                let e = by_arch.entry(arch).or_default();
                e.push_str(para.trim_end());
                e.push_str("\n\n");
            }
            for (arch, text) in by_arch {
                if !arches.contains(&arch) {
                    arches.push(arch.clone());
                }
                write_packages(&dist.join(comp).join(format!("binary-{arch}")), &text);
            }
        }
        let mut c = Command::new(require_tool("apt-ftparchive"));
        c.current_dir(&dist).args([
            "-o",
            &format!("APT::FTPArchive::Release::Suite={}", self.suite),
            "-o",
            "APT::FTPArchive::Release::Codename=kiln",
            "-o",
            "APT::FTPArchive::Release::Origin=Kiln Tests",
            "-o",
            &format!(
                "APT::FTPArchive::Release::Architectures={}",
                arches.join(" ")
            ),
            "-o",
            &format!(
                "APT::FTPArchive::Release::Components={}",
                components.join(" ")
            ),
            "release",
            ".",
        ]);
        let mut release = String::from_utf8(run(c, "apt-ftparchive release")).expect("text");
        if !extra.is_empty() {
            let at = release.find("MD5Sum:").unwrap_or(release.len());
            release.insert_str(at, extra);
        }
        std::fs::write(dist.join("Release"), release).expect("writing Release");
        self.sign(&self.key);
    }

    /// [`AptRepo::publish_with`] without extra fields.
    pub fn publish(&self) {
        self.publish_with("");
    }

    /// (Re-)signs the current Release with `key`: InRelease and Release.gpg.
    pub fn sign(&self, key: &TestKey) {
        let dist = self.dist_dir();
        key.clearsign(&dist.join("Release"), &dist.join("InRelease"));
        key.detach_sign(&dist.join("Release"), &dist.join("Release.gpg"));
    }

    /// Rewrites the text of `component/binary-arch/Packages` (and its `.gz`/`.xz`)
    /// after signing, so the Release digests no longer match.
    pub fn rewrite_packages(&self, component: &str, arch: &str, f: impl FnOnce(String) -> String) {
        let dir = self
            .dist_dir()
            .join(component)
            .join(format!("binary-{arch}"));
        let text = std::fs::read_to_string(dir.join("Packages")).expect("reading Packages");
        write_packages(&dir, &f(text));
    }

    /// Replaces the bytes of the `.deb` for `name` in the pool (the index still lists
    /// the old digest).
    pub fn replace_deb(&self, name: &str, bytes: &[u8]) {
        let (_, _, path) = self
            .debs
            .iter()
            .rev()
            .find(|(_, s, _)| s.name == name)
            .unwrap_or_else(|| panic!("no package {name} in the repository"));
        std::fs::write(path, bytes).expect("replacing deb");
    }

    /// Applies `f` to the text of InRelease (after signing).
    pub fn tamper_inrelease(&self, f: impl FnOnce(String) -> String) {
        let p = self.dist_dir().join("InRelease");
        let text = std::fs::read_to_string(&p).expect("reading InRelease");
        std::fs::write(&p, f(text)).expect("writing InRelease");
    }

    /// Removes `dists/<suite>/<file>` (e.g. `InRelease`, to force Release + Release.gpg).
    pub fn remove_dist_file(&self, file: &str) {
        std::fs::remove_file(self.dist_dir().join(file)).expect("removing dist file");
    }
}

impl Default for AptRepo {
    fn default() -> Self {
        AptRepo::new()
    }
}

fn write_packages(dir: &Path, text: &str) {
    std::fs::create_dir_all(dir).expect("creating index dir");
    std::fs::write(dir.join("Packages"), text).expect("writing Packages");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).expect("gzip");
    std::fs::write(dir.join("Packages.gz"), gz.finish().expect("gzip")).expect("writing gz");
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 6);
    xz.write_all(text.as_bytes()).expect("xz");
    std::fs::write(dir.join("Packages.xz"), xz.finish().expect("xz")).expect("writing xz");
}
