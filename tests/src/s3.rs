//! A real S3-compatible server for one test: s3s-fs (`scripts/ensure-s3s-fs.sh` builds it) over
//! a fresh folder, on a free port, with one bucket.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use baf_blobs::Bucket;

use crate::repo_root;

const ACCESS_KEY: &str = "baf-test";
const SECRET_KEY: &str = "baf-test-secret";
pub const BUCKET: &str = "media";

pub struct S3Server {
    process: Child,
    /// What s3s-fs serves: one folder per bucket.
    pub root: tempfile::TempDir,
    pub endpoint: String,
}

impl S3Server {
    pub fn start() -> Self {
        let root = tempfile::tempdir().expect("a folder for the buckets");
        std::fs::create_dir(root.path().join(BUCKET)).expect("the bucket's folder");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let binary = std::env::var_os("BAF_S3S_FS")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_root().join("vendor/s3s-fs/bin/s3s-fs"));
        let process = Command::new(&binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "{} runs (scripts/ensure-s3s-fs.sh builds it): {error}",
                    binary.display()
                )
            });
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "s3s-fs did not listen"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self {
            process,
            root,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }

    /// The `AWS_*` settings a server is given to reach this one.
    pub fn environment(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT", self.endpoint.as_str()),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
    }

    pub fn bucket(&self, prefix: &str) -> Bucket {
        Bucket::open(&format!("s3://{BUCKET}/{prefix}"), self.environment())
            .expect("the bucket opens")
    }

    /// The objects stored, as paths under the bucket.
    pub fn objects(&self) -> Vec<String> {
        let bucket = self.root.path().join(BUCKET);
        let mut found = Vec::new();
        let mut folders = vec![bucket.clone()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).expect("a bucket folder") {
                let path = entry.expect("an entry").path();
                if path.is_dir() {
                    folders.push(path);
                } else if !path.to_string_lossy().contains(".s3s") {
                    let relative = path.strip_prefix(&bucket).expect("under the bucket");
                    found.push(relative.to_string_lossy().into_owned());
                }
            }
        }
        found.sort();
        found
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
