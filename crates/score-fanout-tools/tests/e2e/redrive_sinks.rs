//! The skipped-batch redrive takes its sinks from the deployed function, as docs/operations.md runs it: a sink the
//! function does not have is refused and this shell's half-set environment is never read; a run to one sink
//! (`--only`) tags the object with it, and a later full run delivers to the other sink only; and objects of one shard
//! go out in sequence order, whatever their keys, only those of the function's mapping and stream.

use crate::cli::{tool, REDRIVE};
use crate::redrive::finished;
use aws_sdk_s3::primitives::ByteStream;
use score_fanout::{Config, Topic};
use score_fanout_testkit::moto;
use score_fanout_testkit::records::RecordMaker;
use score_fanout_tools::inbox::drain;
use score_fanout_tools::mapping::Mapping;
use score_fanout_tools::on_failure::{invocation_record, OnFailureRecord, StreamBatchInfo, KEY_PREFIX};
use score_fanout_tools::provision::{provision, provision_fifo, Stack};
use score_fanout_tools::redrive::{redrive_skipped, Bucket, Redriver, REDRIVEN_TAG};
use serde_json::value::RawValue;
use std::time::Duration;

const MAPPING: &str = "2142ac4c-7a12-4d4c-af67-6c106f586998";
const STREAM: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/GameEvents/stream/2026-12-01T00:00:00.000";

/// Writes `records` as Lambda writes a skipped batch of `shard` under `key` (after `aws/lambda/`).
async fn stage(sdk: &aws_config::SdkConfig, bucket: &str, key: &str, records: &[Box<RawValue>], stream: &str) {
    let sequence = |record: &RawValue| score_fanout::sequence_number_of(record).expect("sequence number");
    let batch = StreamBatchInfo {
        shard_id: key.split('/').nth(1).expect("<uuid>/<shard>/...").to_owned(),
        start_sequence_number: sequence(&records[0]),
        end_sequence_number: sequence(&records[records.len() - 1]),
        approximate_arrival_of_first_record: "2026-12-03T16:08:17.000Z".into(),
        approximate_arrival_of_last_record: "2026-12-03T16:08:17.000Z".into(),
        batch_size: records.len(),
        stream_arn: stream.into(),
    };
    let at = chrono::Utc::now();
    let record = OnFailureRecord::retries_exhausted(batch, 4, at, invocation_record(records));
    let body = ByteStream::from(serde_json::to_vec(&record).expect("JSON"));
    let s3 = aws_sdk_s3::Client::new(sdk);
    s3.put_object().bucket(bucket).key(format!("{KEY_PREFIX}{key}")).body(body).send().await.expect("put");
}

/// Another function with the stack's role and `environment`: a deployment whose sinks differ.
async fn function_with(
    sdk: &aws_config::SdkConfig,
    stack: &Stack,
    suffix: &str,
    environment: &[(&str, &str)],
) -> String {
    let lambda = aws_sdk_lambda::Client::new(sdk);
    let described = lambda.get_function_configuration().function_name(&stack.function_name).send().await;
    let role = described.expect("the stack's function").role.expect("its role");
    let name = format!("{}-{suffix}", stack.function_name);
    let variables = environment.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let environment = aws_sdk_lambda::types::Environment::builder().set_variables(Some(variables)).build();
    let code = aws_sdk_lambda::types::FunctionCode::builder().zip_file(b"never run".as_slice().into()).build();
    let create = lambda.create_function().function_name(&name).role(role).handler("bootstrap").code(code);
    create
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .environment(environment)
        .send()
        .await
        .expect("create");
    name
}

async fn tag_of(sdk: &aws_config::SdkConfig, bucket: &str, key: &str) -> String {
    let tags = aws_sdk_s3::Client::new(sdk).get_object_tagging().bucket(bucket).key(format!("{KEY_PREFIX}{key}"));
    let tags = tags.send().await.expect("tags").tag_set;
    tags.into_iter().find(|tag| tag.key == REDRIVEN_TAG).map(|tag| tag.value).unwrap_or_default()
}

async fn events_in(sdk: &aws_config::SdkConfig, queue: &str) -> Vec<serde_json::Value> {
    let received = drain(&aws_sdk_sqs::Client::new(sdk), queue).await.expect("queue");
    received.into_iter().map(|message| message.event).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redrive_to_a_sink_the_function_does_not_have_is_refused_and_this_shells_sinks_are_never_read() {
    let sdk = crate::harness().await;
    let stack = provision(&sdk, &moto::unique_prefix("refused"), "game.scores").await.expect("provisioning");
    let bus_only = function_with(&sdk, &stack, "busonly", &[("EVENT_BUS_NAME", &stack.bus)]).await;
    let bucket = stack.failure_bucket.as_str();
    let only_topic = ["skipped", "--function-name", &bus_only, "--bucket", bucket, "--only", "TOPIC_ARN"];
    let (code, _, stderr) = tool(REDRIVE, &only_topic, moto::endpoint(), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--only TOPIC_ARN: the function has no TOPIC_ARN (its sinks: EVENT_BUS_NAME)"), "{stderr}");

    let half_set = [("EVENT_BUS_NAME", stack.bus.as_str())];
    let (code, _, stderr) = tool(REDRIVE, &["skipped", "--bucket", bucket], moto::endpoint(), &half_set);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--function-name") && stderr.contains("--stack-name"), "{stderr}");

    let by_name = ["skipped", "--function-name", &stack.function_name, "--bucket", bucket];
    let (code, stdout, stderr) = tool(REDRIVE, &by_name, moto::endpoint(), &half_set);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stderr.contains(&format!("TOPIC_ARN={}", stack.topic_arn)), "the function's own sinks: {stderr}");
    assert!(stdout.contains("nothing to redrive"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_to_one_sink_tags_it_and_a_later_full_run_delivers_to_the_other_only() {
    let sdk = crate::harness().await;
    let stack = provision(&sdk, &moto::unique_prefix("onlybus"), "game.scores").await.expect("provisioning");
    let mut records = RecordMaker::new();
    (0..3).for_each(|i| records.insert(&format!("p{i}"), i));
    let key = format!("{MAPPING}/shardId-1/2026/12/03/2026-12-03T16.08.17-{MAPPING}");
    stage(&sdk, &stack.failure_bucket, &key, &records.records, STREAM).await;
    let mut earlier = RecordMaker::new();
    earlier.insert("old", 1);
    let legacy = format!("{MAPPING}/shardId-1/2026/12/01/2026-12-01T10.00.00-{MAPPING}");
    stage(&sdk, &stack.failure_bucket, &legacy, &earlier.records, STREAM).await;
    let tagging = aws_sdk_s3::types::Tagging::builder().tag_set(
        aws_sdk_s3::types::Tag::builder().key(REDRIVEN_TAG).value("2026-12-01T11:00:00Z").build().expect("tag"),
    );
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let put = s3.put_object_tagging().bucket(&stack.failure_bucket).key(format!("{KEY_PREFIX}{legacy}"));
    put.tagging(tagging.build().expect("tagging")).send().await.expect("an earlier version's tag");

    let by_stack = ["skipped", "--stack-name", &stack.stack_name];
    let only_bus = [&by_stack[..], &["--only", "EVENT_BUS_NAME"]].concat();
    let (code, stdout, stderr) = tool(REDRIVE, &only_bus, moto::endpoint(), &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("3       3  delivered to EVENT_BUS_NAME\n"), "{stdout}");
    assert!(stdout.contains("already delivered to EVENT_BUS_NAME and TOPIC_ARN 2026-12-01T11:00:00Z"), "{stdout}");
    assert!(stdout.contains("note: --only EVENT_BUS_NAME: TOPIC_ARN did not get these events"), "{stdout}");
    assert_eq!(events_in(&sdk, &stack.queues.rule).await.len(), 3, "the bus got every event");
    assert!(events_in(&sdk, &stack.queues.all_events).await.is_empty(), "the topic got nothing");
    let tag = tag_of(&sdk, &stack.failure_bucket, &key).await;
    assert!(tag.starts_with("EVENT_BUS_NAME=") && !tag.contains("TOPIC_ARN"), "{tag}");

    let (code, stdout, stderr) = tool(REDRIVE, &by_stack, moto::endpoint(), &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("3       3  delivered to TOPIC_ARN\n"), "{stdout}");
    assert_eq!(events_in(&sdk, &stack.queues.all_events).await.len(), 3, "the topic got every event");
    assert!(events_in(&sdk, &stack.queues.rule).await.is_empty(), "the bus got nothing twice");
    let tag = tag_of(&sdk, &stack.failure_bucket, &key).await;
    assert!(tag.starts_with("EVENT_BUS_NAME=") && tag.contains(" TOPIC_ARN="), "{tag}");

    let (code, stdout, _) = tool(REDRIVE, &by_stack, moto::endpoint(), &[]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("total: 2 item(s): 0 redriven (0 records, 0 events), 2 redriven before, 0 kept"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_second_objects_of_a_shard_go_out_in_sequence_order_and_only_the_functions_own() {
    let sdk = crate::harness().await;
    let prefix = moto::unique_prefix("order");
    let stack = provision(&sdk, &prefix, "game.scores").await.expect("provisioning");
    let (fifo_topic, fifo_queue) = provision_fifo(&sdk, &prefix).await.expect("FIFO topic");
    let mut records = RecordMaker::new();
    records.insert("p1", 1);
    records.change("p1", 1, 2);
    records.change("p1", 2, 3);
    records.change("p1", 3, 4);
    let (first, second) = records.records.split_at(2);
    // Same second; the later batch's random suffix sorts first.
    let shard = format!("{MAPPING}/shardId-7/2026/12/03/2026-12-03T16.08.17");
    stage(&sdk, &stack.failure_bucket, &format!("{shard}-00000000-0000-4000-8000-000000000000"), second, STREAM).await;
    stage(&sdk, &stack.failure_bucket, &format!("{shard}-ffffffff-ffff-4fff-bfff-ffffffffffff"), first, STREAM).await;
    let mut others = RecordMaker::new();
    others.insert("elsewhere", 9);
    let other_stream = format!("{MAPPING}/shardId-8/2026/12/03/2026-12-03T16.08.18-{MAPPING}");
    stage(&sdk, &stack.failure_bucket, &other_stream, &others.records, &STREAM.replace("2026-12-01", "2026-11-01"))
        .await;
    let other_mapping = "00000000-0000-4000-8000-000000000001/shardId-7/2026/12/03/2026-12-03T16.08.19-x";
    stage(&sdk, &stack.failure_bucket, other_mapping, &others.records, STREAM).await;

    let config = Config {
        topic: Some(Topic { arn: fifo_topic, fifo: true }),
        ..score_fanout_tools::demo::config_for(&stack, false)
    };
    let redriver = Redriver::for_skipped(&config, &crate::sdk_at(moto::endpoint()).await).await.expect("destinations");
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let bucket = Bucket { s3: &s3, name: &stack.failure_bucket, mapping_uuid: Some(MAPPING), stream_arn: Some(STREAM) };
    let mapping = Mapping { batch_size: 100, max_retries: 2, timeout: Duration::from_secs(30) };
    let summary = redrive_skipped(&bucket, &redriver, mapping).await;
    assert!(summary.notes.iter().any(|note| note.starts_with("1 object(s) of another stream")), "{summary:?}");
    let lines = finished(summary);
    assert_eq!(lines.len(), 2, "the mapping's two objects of its stream: {lines:?}");
    let on_fifo = events_in(&sdk, &fifo_queue).await;
    let scores: Vec<i64> =
        on_fifo.iter().map(|e| e["newScore"].as_i64().or(e["score"].as_i64()).unwrap_or(-1)).collect();
    assert_eq!(scores, [1, 2, 3, 4], "one player's events in stream order: {on_fifo:?}");
}
