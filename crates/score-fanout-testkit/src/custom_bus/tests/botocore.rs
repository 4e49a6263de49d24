//! A real client against the stand-in: botocore (the `.venv` that also holds moto) publishes, is answered
//! `DEDUPLICATED`, retries a throttled call by itself, describes the bus, and reads a missing bus as its modeled
//! `ResourceNotFoundException`, so the answers' shapes are ones an SDK parses, not only ones this crate's tests
//! read back.

use super::*;

const SCRIPT: &str = r#"
import boto3, botocore.config, datetime, json, sys
client = boto3.client("eventbridgev2", endpoint_url=sys.argv[1], region_name="us-east-1",
    aws_access_key_id="test", aws_secret_access_key="test",
    config=botocore.config.Config(retries={"mode": "standard", "max_attempts": 3}))
arn = sys.argv[2]
entry = {"Source": "score-fanout", "DetailType": "ScoreChanged", "Detail": '{"a":1}',
    "Time": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
    "SystemMetadata": {"EventGroupId": "player-1", "DeduplicationId": "evt-1"}}
first = client.put_events(EventBusArn=arn, Entries=[entry])
again = client.put_events(EventBusArn=arn, Entries=[entry])
bus = client.describe_event_bus(EventBusArn=arn)
try:
    client.describe_event_bus(EventBusArn=arn[:-1] + ("z" if arn[-1] != "z" else "y"))
    missing = None
except client.exceptions.ResourceNotFoundException as error:
    missing = error.response["Error"]["Code"]
print(json.dumps({"first": first["Entries"], "again": again["Entries"], "failed": first["FailedEntryCount"],
    "name": bus["Name"], "state": bus["State"], "created": bus["CreationTime"].isoformat(),
    "attempts": first["ResponseMetadata"]["RetryAttempts"], "missing": missing}))
"#;

#[tokio::test]
async fn botocore_publishes_retries_a_throttle_and_reads_every_answer() {
    let python = crate::repository().join(".venv/bin/python");
    assert!(python.exists(), "{} is missing: run `make test` (it installs boto3 into .venv)", python.display());
    let (bus, arn) = stand_in().await;
    bus.faults().throttle_next_calls(1);
    let (endpoint, bus_arn) = (bus.endpoint.clone(), arn.clone());
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .args(["-c", SCRIPT, &endpoint, &bus_arn])
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
    });
    let output = output.await.expect("joined").expect("python runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let seen: serde_json::Value = serde_json::from_slice(&output.stdout).expect("the script's JSON");
    let event = &bus.accepted()[0];
    assert_eq!(seen["first"][0]["SuccessCode"], "PUBLISHED");
    assert_eq!(seen["first"][0]["EventId"], event.event_id.as_str());
    assert_eq!(seen["again"][0]["SuccessCode"], "DEDUPLICATED");
    assert_eq!(seen["failed"], 0);
    assert_eq!(seen["attempts"], 1, "botocore retried the 429 as a throttle");
    assert_eq!((seen["name"].as_str(), seen["state"].as_str()), (Some("scores"), Some("ACTIVE")));
    assert!(seen["created"].as_str().is_some_and(|t| t.starts_with("20")), "{seen}");
    assert_eq!(seen["missing"], "ResourceNotFoundException");
    assert_eq!(event.time, "2026-01-02T03:04:05Z");
    assert_eq!((bus.stats().throttled_calls, bus.accepted().len()), (1, 1));
}
