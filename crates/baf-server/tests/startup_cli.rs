//! What an operator reads when the server cannot start or is asked to delete for good.

use std::process::{Command, Output};

fn run(args: &[&str], database_url: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_baf-server"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env_remove("BAF_LOG")
        .output()
        .expect("the binary runs")
}

fn failure(output: &Output) -> String {
    assert!(!output.status.success(), "it must fail");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_wrong_database_url_says_what_is_wrong_not_that_a_pool_timed_out() {
    // port 1 on loopback: nothing listens there
    let refused = failure(&run(&["migrate"], "postgres://baf:secret@127.0.0.1:1/baf"));
    assert!(
        refused.contains("cannot connect to the database at postgres://…@127.0.0.1:1/baf"),
        "{refused}"
    );
    assert!(refused.to_lowercase().contains("refused"), "{refused}");
    assert!(
        !refused.contains("secret"),
        "the password is never shown: {refused}"
    );
    assert!(!refused.contains("timed out"), "{refused}");

    let unknown = failure(&run(
        &["migrate"],
        "postgres://baf@no-such-host.invalid/baf",
    ));
    assert!(unknown.contains("no-such-host.invalid"), "{unknown}");
    assert!(!unknown.contains("timed out"), "{unknown}");

    let garbled = failure(&run(&["migrate"], "mysql://baf@localhost/baf"));
    assert!(
        garbled.contains("is not a Postgres connection URL"),
        "{garbled}"
    );
}

#[test]
fn deleting_an_account_needs_yes() {
    let refused = failure(&run(
        &[
            "account",
            "delete",
            "--account",
            "00000000-0000-0000-0000-000000000001",
        ],
        "postgres://baf@127.0.0.1:1/baf",
    ));
    assert!(refused.contains("--yes"), "{refused}");
}
