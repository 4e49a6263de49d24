//! The pure path of an invocation, without I/O: decoding each raw record, classifying it into an event, and
//! building the EventBridge and SNS entries, at 100, 1,000 and 10,000 records.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use score_fanout::config::Topic;
use score_fanout::decode::decode;
use score_fanout::publish::{EventBridgeSink, Sink, SnsSink};
use serde_json::value::RawValue;

fn records(count: usize) -> Vec<Box<RawValue>> {
    (0..count)
        .map(|i| {
            let (name, old, new) = match i % 5 {
                0 | 1 => ("INSERT", None, Some(i % 997)),
                2 | 3 => ("MODIFY", Some(i % 997), Some(if i % 4 == 0 { i % 997 } else { i % 991 })),
                _ => ("REMOVE", Some(i % 997), None),
            };
            let image = |score: usize| serde_json::json!({"playerId": {"S": format!("player-{}", i % 300)}, "date": {"S": "Aug 23"}, "score": {"N": score.to_string()}});
            let mut stream = serde_json::json!({"ApproximateCreationDateTime": 1795510800 + i, "Keys": {"playerId": {"S": format!("player-{}", i % 300)}, "date": {"S": "Aug 23"}},
                "SequenceNumber": format!("{}", 400000000000000000000u128 + i as u128), "SizeBytes": 100, "StreamViewType": "NEW_AND_OLD_IMAGES"});
            if let Some(score) = new {
                stream["NewImage"] = image(score);
            }
            if let Some(score) = old {
                stream["OldImage"] = image(score);
            }
            let record = serde_json::json!({"eventID": format!("{i:032x}"), "eventName": name, "eventVersion": "1.1",
                "eventSource": "aws:dynamodb", "awsRegion": "us-east-1", "dynamodb": stream});
            RawValue::from_string(record.to_string()).expect("JSON")
        })
        .collect()
}

fn pure_path(c: &mut Criterion) {
    let sdk = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .build();
    let eventbridge = EventBridgeSink::new(aws_sdk_eventbridge::Client::new(&sdk), "bench-bus", "game.scores");
    let topic = Topic { arn: "arn:aws:sns:us-east-1:123456789012:bench".into(), fifo: false };
    let sns = SnsSink::new(aws_sdk_sns::Client::new(&sdk), topic);
    let mut group = c.benchmark_group("decode_classify_build_entries");
    for count in [100, 1_000, 10_000] {
        let input = records(count);
        group.throughput(Throughput::Elements(count as u64));
        group.bench_with_input(BenchmarkId::from_parameter(count), &input, |b, input| {
            b.iter(|| {
                let mut entries = 0;
                for (index, raw) in input.iter().enumerate() {
                    if let Ok(decoded) = decode(raw) {
                        if let Some(event) = decoded.event {
                            entries += eventbridge.prepare(&event, index).size.min(1);
                            entries += sns.prepare(&event, index).size.min(1);
                        }
                    }
                }
                entries
            });
        });
    }
    group.finish();
}

criterion_group!(benches, pure_path);
criterion_main!(benches);
