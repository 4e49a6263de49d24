//! The tools say what went wrong: an SDK error with its chain of causes (the SDK alone says only "dispatch
//! failure" for a refused connection), and an event file that is not a stream event refused with why; and a
//! `DRY_RUN=true` left in the redrive's environment makes it a dry run, which it says, and keeps every message.

use score_fanout_testkit::moto;
use score_fanout_testkit::records::RecordMaker;
use score_fanout_tools::inbox::drain;
use std::process::Command;

/// Runs one of the tools' binaries against `endpoint` (nothing listens on port 9); its exit code, stdout, stderr.
fn tool(binary: &str, args: &[&str], endpoint: &str, env: &[(&str, &str)]) -> (i32, String, String) {
    let output = Command::new(binary)
        .args(args)
        .env_clear()
        .envs([
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_ENDPOINT_URL", endpoint),
        ])
        .envs(env.iter().copied())
        .output()
        .expect("the tool runs");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
}

const LOCAL: &str = env!("CARGO_BIN_EXE_score-fanout-local");
const REDRIVE: &str = env!("CARGO_BIN_EXE_score-fanout-redrive");
const NOTHING_LISTENS: &str = "http://127.0.0.1:9";

#[test]
fn a_refused_connection_is_told_with_its_causes() {
    let queue = "http://127.0.0.1:9/123456789012/q";
    let (code, _, stderr) = tool(LOCAL, &["receive", "--queue-url", queue], NOTHING_LISTENS, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("dispatch failure") && stderr.contains("onnection refused"), "{stderr}");
    let sink = [("EVENT_BUS_NAME", "ScoreEventsBus")];
    let (code, _, stderr) = tool(REDRIVE, &["poison", "--queue-url", queue], NOTHING_LISTENS, &sink);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.starts_with("score-fanout-redrive: ReceiveMessage on"), "{stderr}");
    assert!(stderr.contains("dispatch failure") && stderr.contains("onnection refused"), "{stderr}");
}

#[test]
fn an_event_file_that_is_not_a_stream_event_is_refused_with_why() {
    let path = std::env::temp_dir().join(format!("score-fanout-not-an-event-{}.json", std::process::id()));
    std::fs::write(&path, r#"{"foo": 1}"#).expect("temp file");
    let args = ["files", path.to_str().expect("path")];
    let (code, _, stderr) = tool(LOCAL, &args, NOTHING_LISTENS, &[("DRY_RUN", "true")]);
    std::fs::remove_file(&path).ok();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not a stream event: missing field `Records`"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_in_the_environment_makes_the_redrive_a_dry_run_that_says_so_and_keeps_every_message() {
    let sdk = crate::harness().await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let name = format!("{}PoisonRecordQueue", moto::unique_prefix("dryrunenv"));
    let url = sqs.create_queue().queue_name(name).send().await.expect("queue").queue_url.expect("url");
    // A parked record that decodes now: a real redrive would deliver it and delete its message.
    let mut records = RecordMaker::new();
    records.insert("p1", 5);
    let body = format!(r#"{{"record":{},"error":"a sink refused it"}}"#, records.records[0].get());
    sqs.send_message().queue_url(&url).message_body(body).send().await.expect("send");

    let env = [("DRY_RUN", "true"), ("EVENT_BUS_NAME", "ScoreEventsBus")];
    let (code, stdout, stderr) = tool(REDRIVE, &["poison", "--queue-url", &url], moto::endpoint(), &env);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stderr.contains("DRY_RUN=true is set: running as --dry-run (nothing is sent, tagged or deleted)"),
        "{stderr}"
    );
    assert!(stdout.contains("would be delivered (dry run)"), "{stdout}");
    assert!(stdout.contains("total: 1 item(s): 1 would be redriven (1 records, 1 events)"), "{stdout}");
    assert_eq!(drain(&sqs, &url).await.expect("the queue").len(), 1, "the message is still there");
}
