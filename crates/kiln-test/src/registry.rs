//! A real registry for tests: Debian's `docker-registry` on 127.0.0.1, a free port, a temp dir.
//!
//! [`TestRegistry::start`] runs distribution 2.8 (which has no referrers API, so clients
//! exercise the referrers tag fallback); [`TestRegistry::start_with_basic_auth`] adds an
//! htpasswd file. [`FakeServer`] is a scripted HTTP/1.1 server on loopback for the
//! failures a real registry will not produce on demand (500s, 429s, token services).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sha2::Digest as _;

const BINARY: &str = "/usr/bin/docker-registry";

/// A running `docker-registry`, killed on drop.
#[derive(Debug)]
pub struct TestRegistry {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl TestRegistry {
    /// Starts an open registry (no auth) with deletes enabled.
    pub fn start() -> TestRegistry {
        TestRegistry::launch(None)
    }

    /// Starts a registry that wants HTTP basic auth for `user` / `password`.
    pub fn start_with_basic_auth(user: &str, password: &str) -> TestRegistry {
        TestRegistry::launch(Some((user, password)))
    }

    fn launch(auth: Option<(&str, &str)>) -> TestRegistry {
        assert!(
            Path::new(BINARY).is_file(),
            "docker-registry not installed: run .ci/run (apt-get install docker-registry)"
        );
        let dir = tempfile::tempdir().expect("temp dir for the registry");
        let storage = dir.path().join("storage");
        std::fs::create_dir(&storage).expect("registry storage dir");
        let auth_section = match auth {
            Some((user, password)) => {
                let hash = bcrypt::hash(password, 4).expect("bcrypt hash");
                let htpasswd = dir.path().join("htpasswd");
                std::fs::write(&htpasswd, format!("{user}:{hash}\n")).expect("write htpasswd");
                format!(
                    "auth:\n  htpasswd:\n    realm: kiln-test\n    path: {}\n",
                    htpasswd.display()
                )
            }
            None => String::new(),
        };
        // A port picked by the kernel may be taken again before the registry binds it;
        // try a few.
        let mut last_log = String::new();
        for _ in 0..5 {
            let port = free_port();
            let config = dir.path().join("config.yml");
            std::fs::write(
                &config,
                format!(
                    "version: 0.1\n\
                     log:\n  level: warn\n  accesslog:\n    disabled: true\n\
                     storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
                     \x20 maintenance:\n    uploadpurging:\n      enabled: false\n\
                     http:\n  addr: 127.0.0.1:{port}\n  secret: kiln-test-secret\n\
                     {auth_section}",
                    storage.display()
                ),
            )
            .expect("write registry config");
            let log_path = dir.path().join("registry.log");
            let log = std::fs::File::create(&log_path).expect("registry log file");
            let mut command = Command::new(BINARY);
            command
                .arg("serve")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log handle"))
                .stderr(log);
            // The registry reads REGISTRY_* variables as configuration overrides, and
            // REGISTRY_AUTH_FILE (podman's credentials file) would become `auth.file`.
            for (key, _) in std::env::vars_os() {
                if key.to_string_lossy().starts_with("REGISTRY_") {
                    command.env_remove(key);
                }
            }
            let mut child = command.spawn().expect("spawn docker-registry");
            if wait_ready(&mut child, port) {
                return TestRegistry { child, port, dir };
            }
            let _ = child.kill();
            let _ = child.wait();
            last_log = std::fs::read_to_string(&log_path).unwrap_or_default();
        }
        panic!("docker-registry did not start; its log:\n{last_log}");
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:PORT/<rest>` parsed as an image reference (`rest` is `repo[:tag]`).
    pub fn reference(&self, rest: &str) -> kiln_types::ImageRef {
        format!("{}/{rest}", self.host())
            .parse()
            .expect("a valid test image reference")
    }

    /// Where the registry keeps blobs and repositories.
    pub fn storage_dir(&self) -> PathBuf {
        self.dir.path().join("storage")
    }

    /// Whether the registry's storage holds a blob with this hex sha256.
    pub fn stores_blob(&self, sha256_hex: &str) -> bool {
        self.storage_dir()
            .join("docker/registry/v2/blobs/sha256")
            .join(&sha256_hex[..2])
            .join(sha256_hex)
            .join("data")
            .is_file()
    }

    /// The registry's own log (warnings and errors).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Polls `GET /v2/` until it answers 200 or 401; false if the process died or 20 s passed.
fn wait_ready(child: &mut Child, port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if matches!(probe(port), Some(200 | 401)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn probe(port: u16) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        stream,
        "GET /v2/ HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).ok()?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A request as [`FakeServer`] saw it. Header names are lowercase.
#[derive(Debug, Clone)]
pub struct FakeRequest {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

/// What [`FakeServer`] answers.
#[derive(Debug, Clone)]
pub struct FakeResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl FakeResponse {
    pub fn new(status: u16) -> FakeResponse {
        FakeResponse {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> FakeResponse {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> FakeResponse {
        self.body = body.into();
        self
    }
}

type Handler = dyn Fn(&FakeRequest) -> FakeResponse + Send + Sync;

/// A scripted HTTP server on 127.0.0.1 that records every request. Stopped on drop.
pub struct FakeServer {
    port: u16,
    requests: Arc<Mutex<Vec<FakeRequest>>>,
    count: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeServer")
            .field("port", &self.port)
            .finish()
    }
}

impl FakeServer {
    /// Serves `handler` for every request, one connection at a time.
    pub fn start(
        handler: impl Fn(&FakeRequest) -> FakeResponse + Send + Sync + 'static,
    ) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let count = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let thread = {
            let (requests, count, stop) = (requests.clone(), count.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    serve(stream, &*handler, &requests, &count);
                }
            })
        };
        FakeServer {
            port,
            requests,
            count,
            stop,
            thread: Some(thread),
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// How many requests were answered so far.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<FakeRequest> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Serves the one request of a connection, then closes it (`Connection: close` keeps
/// the server simple and its drop prompt).
fn serve(
    stream: TcpStream,
    handler: &Handler,
    requests: &Mutex<Vec<FakeRequest>>,
    count: &AtomicUsize,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let Some(request) = read_request(&mut reader) else {
        return;
    };
    let response = handler(&request);
    count.fetch_add(1, Ordering::SeqCst);
    if let Ok(mut r) = requests.lock() {
        r.push(request.clone());
    }
    let mut head = format!(
        "HTTP/1.1 {} Fake\r\nContent-Length: {}\r\nConnection: close\r\n",
        response.status,
        response.body.len()
    );
    for (k, v) in &response.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    if request.method != "HEAD" {
        out.extend_from_slice(&response.body);
    }
    let _ = writer.write_all(&out).and_then(|()| writer.flush());
    let _ = writer.shutdown(Shutdown::Both);
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<FakeRequest> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(FakeRequest {
        method,
        target,
        headers,
        body,
    })
}

/// A one-layer linux/amd64 OCI image made here by hand (tar + gzip + JSON), independent of
/// kiln-oci, to push and pull in registry tests. `label` varies its content and digests.
#[derive(Debug, Clone)]
pub struct TinyImage {
    pub layer: Vec<u8>,
    pub config: Vec<u8>,
    pub manifest: Vec<u8>,
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

impl TinyImage {
    pub fn new(label: &str) -> TinyImage {
        let content = format!("hello from {label}\n");
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_cksum();
        builder
            .append_data(&mut header, "hello.txt", content.as_bytes())
            .expect("tar entry");
        let tar = builder.into_inner().expect("tar");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&tar).expect("gzip");
        let layer = gz.finish().expect("gzip");
        let config = serde_json::to_vec(&serde_json::json!({
            "architecture": "amd64",
            "os": "linux",
            "config": {"Cmd": ["/hello"]},
            "rootfs": {"type": "layers", "diff_ids": [sha256(&tar)]},
            "history": [{"created_by": format!("kiln-test {label}")}]
        }))
        .expect("config json");
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": sha256(&config),
                "size": config.len()
            },
            "layers": [{
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": sha256(&layer),
                "size": layer.len()
            }]
        }))
        .expect("manifest json");
        TinyImage {
            layer,
            config,
            manifest,
        }
    }

    pub fn manifest_digest(&self) -> String {
        sha256(&self.manifest)
    }

    /// Writes the image as an OCI layout in `dir`, tagged `tag`.
    pub fn write_layout(&self, dir: &Path, tag: &str) {
        let blobs = dir.join("blobs/sha256");
        std::fs::create_dir_all(&blobs).expect("layout blobs dir");
        for blob in [&self.layer, &self.config, &self.manifest] {
            let digest = sha256(blob);
            let hex = digest.trim_start_matches("sha256:");
            std::fs::write(blobs.join(hex), blob).expect("write blob");
        }
        std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#)
            .expect("write oci-layout");
        let index = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": self.manifest_digest(),
                "size": self.manifest.len(),
                "annotations": {"org.opencontainers.image.ref.name": tag}
            }]
        });
        std::fs::write(
            dir.join("index.json"),
            serde_json::to_vec(&index).expect("index json"),
        )
        .expect("write index.json");
    }
}
