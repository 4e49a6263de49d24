//! The tools say what went wrong: an SDK error with its chain of causes (the SDK alone says only "dispatch
//! failure" for a refused connection), and an event file that is not a stream event refused with why.

use std::process::Command;

fn local(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_score-fanout-local"))
        .args(args)
        .env_clear()
        .envs([
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        ])
        .envs(env.iter().copied())
        .output()
        .expect("score-fanout-local runs");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn a_refused_connection_is_told_with_its_causes() {
    let (code, stderr) = local(&["receive", "--queue-url", "http://127.0.0.1:9/123456789012/q"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("dispatch failure") && stderr.contains("onnection refused"), "{stderr}");
}

#[test]
fn an_event_file_that_is_not_a_stream_event_is_refused_with_why() {
    let path = std::env::temp_dir().join(format!("score-fanout-not-an-event-{}.json", std::process::id()));
    std::fs::write(&path, r#"{"foo": 1}"#).expect("temp file");
    let (code, stderr) = local(&["files", path.to_str().expect("path")], &[("DRY_RUN", "true")]);
    std::fs::remove_file(&path).ok();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not a stream event: missing field `Records`"), "{stderr}");
}
