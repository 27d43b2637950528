//! Running the operator commands of the built binary from the checkout's root.

use std::path::Path;
use std::process::Command;

/// `baf-server ARGS…` run in the repository root (so `models/`, `vendor/` and `../shared` are
/// where a checkout has them); it must succeed, and its stdout is JSON.
pub fn json_of(args: &[&str]) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_baf-server"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .args(args)
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}
