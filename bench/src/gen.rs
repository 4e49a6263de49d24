//! Benchmark events: a DynamoDB stream batch of the GameEvents table as Lambda delivers it (compact JSON), with a
//! realistic mix and a fixed seed, so that every run and every function gets the same bytes. Also compiled into
//! the criterion benches (`bench/pure_path.rs`), so it uses nothing but std.

use std::fmt::Write;

/// The largest payload Lambda hands a function (6 MB, counted in MiB for invocations): every file stays below it.
pub const MAX_EVENT_BYTES: usize = 6 * 1024 * 1024;

const STREAM_ARN: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/GameEvents/stream/2026-11-24T08:00:00.000";
const DATES: [&str; 6] = ["Aug 23", "Aug 24", "Sep 01", "Sep 02", "Oct 15", "Nov 24"];
const NICKNAMES: [&str; 5] = ["ace", "blaze", "comet", "dash", "echo"];

/// One generated stream event and what the function should make of it.
pub struct Generated {
    /// `{"Records": [...]}`, compact, as Lambda delivers it.
    pub json: String,
    /// Domain events to publish: every record except MODIFYs with an equal score.
    pub events: usize,
}

/// A small xorshift generator: the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Row {
    player_id: String,
    date: &'static str,
    score: u64,
    nickname: Option<&'static str>,
}

/// `count` records: about 35% INSERT, 40% MODIFY with a new score, 10% MODIFY with an equal score (another
/// attribute changed), 12% REMOVE and 3% REMOVE by TTL. A few scores are strings, as the demo's console sample.
pub fn stream_event(count: usize) -> Generated {
    stream_batch(count, 0)
}

/// The same records as the `batch`-th batch of a stream: the same bytes but for each record's `eventID` and
/// `SequenceNumber`. The function remembers the eventIDs its sinks accepted and does not send them again, so that
/// every invocation of a process life gets a batch of its own, as a stream hands it new records.
pub fn stream_batch(count: usize, batch: u32) -> Generated {
    let mut rng = Rng(0x005e_ed0f_5c0e_u64 ^ count as u64);
    let mut json = String::with_capacity(count * 600 + 16);
    json.push_str("{\"Records\":[");
    let mut events = 0;
    for i in 0..count {
        if i > 0 {
            json.push(',');
        }
        let row = Row {
            player_id: (1000 + rng.below(900_000)).to_string(),
            date: DATES[rng.below(DATES.len() as u64) as usize],
            score: rng.below(100_000),
            nickname: (rng.below(3) == 0).then(|| NICKNAMES[rng.below(NICKNAMES.len() as u64) as usize]),
        };
        // The first record is always an INSERT, so that even a 1-record event publishes something.
        let roll = if i == 0 { 0 } else { rng.below(100) };
        let (name, new, old, ttl) = match roll {
            0..=34 => ("INSERT", Some(image(&row, row.score, &mut rng)), None, false),
            35..=74 => {
                let old_score = row.score + 1 + rng.below(500);
                ("MODIFY", Some(image(&row, row.score, &mut rng)), Some(image(&row, old_score, &mut rng)), false)
            }
            75..=84 => {
                let renamed = Row { nickname: Some(NICKNAMES[rng.below(5) as usize]), ..row };
                let new = image(&renamed, renamed.score, &mut rng);
                ("MODIFY", Some(new), Some(image(&Row { nickname: None, ..renamed }, renamed.score, &mut rng)), false)
            }
            _ => ("REMOVE", None, Some(image(&row, row.score, &mut rng)), roll >= 97),
        };
        if !(75..=84).contains(&roll) {
            events += 1;
        }
        let images = Images { new: new.as_deref(), old: old.as_deref(), ttl };
        record(&mut json, (batch, i), name, images, &mut rng);
    }
    json.push_str("]}");
    assert!(json.len() < MAX_EVENT_BYTES, "{count} records make {} bytes, over Lambda's limit", json.len());
    Generated { json, events }
}

/// A `NEW_AND_OLD_IMAGES` image of the table's item; keys first, then score, then the optional nickname.
fn image(row: &Row, score: u64, rng: &mut Rng) -> String {
    let score = if rng.below(20) == 0 { format!("{{\"S\":\"{score}\"}}") } else { format!("{{\"N\":\"{score}\"}}") };
    let mut image =
        format!("{{\"playerId\":{{\"S\":\"{}\"}},\"date\":{{\"S\":\"{}\"}},\"score\":{score}", row.player_id, row.date);
    if let Some(nickname) = row.nickname {
        let _ = write!(image, ",\"nickname\":{{\"S\":\"{nickname}\"}}");
    }
    image.push('}');
    image
}

/// A record's images, and whether TTL removed it.
struct Images<'a> {
    new: Option<&'a str>,
    old: Option<&'a str>,
    ttl: bool,
}

/// Writes the `i`-th record of `batch`.
fn record(out: &mut String, (batch, i): (u32, usize), name: &str, images: Images, rng: &mut Rng) {
    let Images { new, old, ttl } = images;
    let _ = write!(
        out,
        "{{\"eventID\":\"{:016x}{:016x}\",\"eventName\":\"{name}\",\"eventVersion\":\"1.1\",\
         \"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{{\
         \"ApproximateCreationDateTime\":{},\"Keys\":",
        rng.next() ^ (u64::from(batch) << 40),
        rng.next(),
        1_795_510_800 + i / 20
    );
    let keys_from = new.or(old).unwrap_or_default();
    let keys_end = keys_from.find(",\"score\"").unwrap_or(keys_from.len());
    out.push_str(&keys_from[..keys_end]);
    out.push('}');
    if let Some(new) = new {
        let _ = write!(out, ",\"NewImage\":{new}");
    }
    if let Some(old) = old {
        let _ = write!(out, ",\"OldImage\":{old}");
    }
    let size = new.map_or(0, str::len) / 2 + old.map_or(0, str::len) / 2;
    let _ = write!(
        out,
        ",\"SequenceNumber\":\"{}\",\"SizeBytes\":{size},\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}},\
         \"eventSourceARN\":\"{STREAM_ARN}\"",
        300_000_000_000_000_000_000u128 + u128::from(batch) * 100_000 + i as u128
    );
    if ttl {
        out.push_str(",\"userIdentity\":{\"type\":\"Service\",\"principalId\":\"dynamodb.amazonaws.com\"}");
    }
    out.push('}');
}
