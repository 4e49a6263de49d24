//! The tools say what went wrong: an SDK error with its chain of causes (the SDK alone says only "dispatch
//! failure" for a refused connection), and an event file that is not a stream event refused with why; and a
//! `DRY_RUN=true` left in the redrive's environment makes it a dry run, which it says, and keeps every message;
//! the runbook's real run then delivers it.

use score_fanout_testkit::moto;
use score_fanout_testkit::records::RecordMaker;
use score_fanout_tools::inbox::drain;
use score_fanout_tools::provision::provision;
use std::process::Command;

/// Runs one of the tools' binaries against `endpoint` (nothing listens on port 9); its exit code, stdout, stderr.
pub(crate) fn tool(binary: &str, args: &[&str], endpoint: &str, env: &[(&str, &str)]) -> (i32, String, String) {
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

pub(crate) const LOCAL: &str = env!("CARGO_BIN_EXE_score-fanout-local");
pub(crate) const REDRIVE: &str = env!("CARGO_BIN_EXE_score-fanout-redrive");
const NOTHING_LISTENS: &str = "http://127.0.0.1:9";

#[test]
fn a_refused_connection_is_told_with_its_causes() {
    let queue = "http://127.0.0.1:9/123456789012/q";
    let (code, _, stderr) = tool(LOCAL, &["receive", "--queue-url", queue], NOTHING_LISTENS, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("dispatch failure") && stderr.contains("onnection refused"), "{stderr}");
    let (code, _, stderr) = tool(REDRIVE, &["poison", "--function-name", "score-fanout"], NOTHING_LISTENS, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.starts_with("score-fanout-redrive: GetFunctionConfiguration on score-fanout:"), "{stderr}");
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
async fn dry_run_in_the_environment_keeps_every_message_and_says_so_and_the_real_run_then_delivers_it() {
    let sdk = crate::harness().await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let stack = provision(&sdk, &moto::unique_prefix("dryrunenv"), "game.scores").await.expect("provisioning");
    let url = stack.queues.poison;
    // A parked record that decodes now: a real redrive would deliver it and delete its message.
    let mut records = RecordMaker::new();
    records.insert("p1", 5);
    let body = format!(r#"{{"record":{},"error":"a sink refused it"}}"#, records.records[0].get());
    sqs.send_message().queue_url(&url).message_body(&body).send().await.expect("send");

    let args = ["poison", "--stack-name", &stack.stack_name];
    let (code, stdout, stderr) = tool(REDRIVE, &args, moto::endpoint(), &[("DRY_RUN", "true")]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stderr.contains("DRY_RUN=true is set: running as --dry-run (nothing is sent, tagged or deleted)"),
        "{stderr}"
    );
    assert!(stdout.contains("would be delivered to EVENT_BUS_NAME and TOPIC_ARN (dry run)"), "{stdout}");
    assert!(stdout.contains("total: 1 item(s): 1 would be redriven (1 records, 1 events)"), "{stdout}");
    assert_eq!(drain(&sqs, &url).await.expect("the queue").len(), 1, "the message is still there");

    // The runbook's next step: the real run, which delivers and deletes.
    sqs.send_message().queue_url(&url).message_body(body).send().await.expect("send");
    let (code, stdout, stderr) = tool(REDRIVE, &args, moto::endpoint(), &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("total: 1 item(s): 1 redriven (1 records, 1 events)"), "{stdout}");
    assert!(drain(&sqs, &url).await.expect("the queue").is_empty(), "delivered and deleted");
}
