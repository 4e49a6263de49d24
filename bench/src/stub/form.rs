//! The little of SNS's query protocol (an HTML form body) the stub reads: the ids of a `PublishBatch`'s entries and
//! a `GetTopicAttributes`'s topic.

/// The entry ids of a `PublishBatch` form body (`PublishBatchRequestEntries.member.N.Id=...`), in order.
pub fn publish_batch_ids(body: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, _)| {
            key.strip_prefix("PublishBatchRequestEntries.member.")
                .and_then(|rest| rest.strip_suffix(".Id"))
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(|(_, value)| percent_decode(value))
        .collect()
}

/// The value of `key` in a form body, decoded.
pub fn value(body: &[u8], key: &str) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    text.split('&').filter_map(|pair| pair.split_once('=')).find(|(k, _)| *k == key).map(|(_, v)| percent_decode(v))
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
