//! The pure path of an invocation, without I/O: decoding each raw record, classifying it into an event, and
//! building the EventBridge and SNS entries, at 100, 1,000 and 10,000 records of `make bench`'s event mix.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use score_fanout::{decode, fan_out, StreamEvent, Topic, DEFAULT_MAX_IN_FLIGHT};
use serde_json::value::RawValue;

/// The records of `make bench`'s event files: the same generator, the same mix, the same bytes.
#[path = "src/gen.rs"]
mod gen;

fn records(count: usize) -> Vec<Box<RawValue>> {
    let generated = gen::stream_event(count);
    let event: StreamEvent = serde_json::from_str(&generated.json).expect("generated JSON");
    let events = event.records.iter().filter_map(|raw| decode(raw).ok()?.event).count();
    assert_eq!(events, generated.events, "the generator and the decoder disagree on the events of the mix");
    event.records
}

fn pure_path(c: &mut Criterion) {
    let sdk = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .build();
    let topic = Topic { arn: "arn:aws:sns:us-east-1:123456789012:bench".into(), fifo: false };
    let bus = Some("bench-bus");
    let sinks = fan_out(&sdk, bus, "game.scores", Some(&topic), DEFAULT_MAX_IN_FLIGHT).expect("endpoints");
    let (Some(eventbridge), Some(sns)) = (sinks.eventbridge(), sinks.sns()) else { unreachable!("both configured") };
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
                            let entry = eventbridge.to_entry(&event);
                            entries += eventbridge.entry_size(&entry).min(1);
                            entries += sns.to_entry(&event, index).size().min(1);
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
