//! SNS `PublishBatch` in the AWS query protocol: the form-encoded request, and the XML answer read into the ids
//! that were published and the entries that failed.

use super::entry::{SnsEntry, STRING};
use crate::publish::wire::{Answer, WireError};
use aws_smithy_xml::decode::{try_data, Document, ScopedDecoder, XmlDecodeError};

/// The API version every query request names.
const VERSION: &str = "2010-03-31";

/// The form body of a `PublishBatch` request to `topic_arn` carrying `entries`, numbered from 1 as the protocol
/// wants. The attributes (`eventType`, `playerId`, `schemaVersion`) are strings, the type subscribers' filter policies
/// match on.
pub fn request_body(topic_arn: &str, entries: &[SnsEntry]) -> Vec<u8> {
    // The encoder needs room for three bytes per byte of a message while it writes (it keeps fewer).
    let size: usize = entries.iter().map(|entry| entry.message.len() * 3 + 700).sum();
    let mut form = Form(Vec::with_capacity(size + 200));
    form.pair("Action", "PublishBatch");
    form.pair("Version", VERSION);
    form.pair("TopicArn", topic_arn);
    let mut key = String::with_capacity(96);
    for (number, entry) in entries.iter().enumerate() {
        key.clear();
        key.push_str("PublishBatchRequestEntries.member.");
        key.push_str(&(number + 1).to_string());
        key.push('.');
        let prefix = key.len();
        let mut pair = |field: &str, value: &str| {
            key.truncate(prefix);
            key.push_str(field);
            form.pair(&key, value);
        };
        pair("Id", &entry.id);
        pair("Message", &entry.message);
        pair("MessageAttributes.entry.1.Name", "eventType");
        pair("MessageAttributes.entry.1.Value.DataType", STRING);
        pair("MessageAttributes.entry.1.Value.StringValue", entry.event_type);
        pair("MessageAttributes.entry.2.Name", "playerId");
        pair("MessageAttributes.entry.2.Value.DataType", STRING);
        pair("MessageAttributes.entry.2.Value.StringValue", &entry.player_id);
        pair("MessageAttributes.entry.3.Name", "schemaVersion");
        pair("MessageAttributes.entry.3.Value.DataType", STRING);
        pair("MessageAttributes.entry.3.Value.StringValue", &entry.schema_version);
        if let Some(group) = &entry.group {
            pair("MessageGroupId", group);
        }
        if let Some(deduplication_id) = &entry.deduplication_id {
            pair("MessageDeduplicationId", deduplication_id);
        }
    }
    form.0
}

/// An `application/x-www-form-urlencoded` body being written.
struct Form(Vec<u8>);

impl Form {
    /// Appends `key=value`. Every key here is the protocol's own (letters, digits, dots), which encoding leaves as
    /// they are: only values go through the encoder, which halves the bytes it reads.
    fn pair(&mut self, key: &str, value: &str) {
        debug_assert!(key.bytes().all(|byte| ENCODING[usize::from(byte)] == [1, byte, 0, 0]), "{key} needs encoding");
        if !self.0.is_empty() {
            self.0.push(b'&');
        }
        self.0.extend_from_slice(key.as_bytes());
        self.0.push(b'=');
        append_encoded(&mut self.0, value);
    }
}

/// Appends `value` encoded exactly as `form_urlencoded` does (letters, digits and `*-._` as they are, a space as
/// `+`, every other byte as `%XX`; a property test holds it to the crate byte for byte). Every event's JSON goes
/// through here, about a third of its bytes escaped, so there is no branch on the data: each byte writes its
/// three-byte slot and moves on by the slot's length (what the crate's per-byte iterator costs instead:
/// docs/performance.md).
pub fn append_encoded(out: &mut Vec<u8>, value: &str) {
    let start = out.len();
    // Three bytes per input byte is the most it can take, so every slot write below stays inside.
    out.resize(start + value.len() * 3, 0);
    let mut at = start;
    for &byte in value.as_bytes() {
        let [length, slot @ ..] = ENCODING[usize::from(byte)];
        out[at..at + 3].copy_from_slice(&slot);
        at += usize::from(length);
    }
    out.truncate(at);
}

/// Each byte's encoding in a form value: its length, then up to three bytes (the unused ones are overwritten by
/// the next byte's slot or cut off).
const ENCODING: [[u8; 4]; 256] = {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut table = [[0; 4]; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = if b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_') {
            [1, b, 0, 0]
        } else if b == b' ' {
            [1, b'+', 0, 0]
        } else {
            [3, b'%', HEX[byte >> 4], HEX[byte & 15]]
        };
        byte += 1;
    }
    table
};

/// One entry of the answer's `Failed` list.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Failure {
    pub id: String,
    pub code: String,
    pub message: String,
    /// The entry itself is at fault: resending cannot help.
    pub sender_fault: bool,
}

/// What a `PublishBatch` answer says of its entries.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BatchResult {
    pub successful: Vec<String>,
    pub failed: Vec<Failure>,
    /// The answer's `x-amzn-RequestId`.
    pub request_id: Option<String>,
}

/// The entries' results, or for an error answer (`<ErrorResponse><Error><Code>`) the service's code and message.
pub fn read_answer(answer: Answer) -> Result<BatchResult, WireError> {
    let text = std::str::from_utf8(&answer.body)
        .map_err(|e| WireError::Unexpected(format!("PublishBatch answer is not UTF-8: {e}")))?;
    let unreadable = |e: XmlDecodeError| WireError::Unexpected(format!("PublishBatch answer is not its XML: {e}"));
    if answer.is_success() {
        let mut result = batch_result(text).map_err(unreadable)?;
        result.request_id = answer.request_id;
        return Ok(result);
    }
    Err(service_error(answer.status, text, answer.request_id))
}

/// An error answer of any SNS action: its `<Code>` and `<Message>`, or the status when the body names none (a bare
/// 404 from something else than SNS is not SNS's `NotFound`).
pub fn error_answer(answer: Answer) -> WireError {
    let text = String::from_utf8_lossy(&answer.body);
    service_error(answer.status, &text, answer.request_id)
}

fn service_error(status: u16, text: &str, request_id: Option<String>) -> WireError {
    let (code, message, in_body) = error_code(text).unwrap_or_default();
    let code = if code.is_empty() { format!("HTTP{status}") } else { code };
    let request_id = request_id.or((!in_body.is_empty()).then_some(in_body));
    WireError::Service { status, code, message, request_id }
}

fn batch_result(text: &str) -> Result<BatchResult, XmlDecodeError> {
    let mut result = BatchResult::default();
    let mut document = Document::new(text);
    let mut root = document.root_element()?;
    while let Some(mut section) = root.next_tag() {
        if !section.start_el().matches("PublishBatchResult") {
            continue;
        }
        while let Some(mut list) = section.next_tag() {
            let failed = match list.start_el().local() {
                "Successful" => false,
                "Failed" => true,
                _ => continue,
            };
            while let Some(mut member) = list.next_tag() {
                let failure = read_member(&mut member)?;
                if failed {
                    result.failed.push(failure);
                } else {
                    result.successful.push(failure.id);
                }
            }
        }
    }
    Ok(result)
}

/// A `member` of either list: `Successful` ones have just the `Id` (and a `MessageId`) of what [`Failure`] reads.
fn read_member(member: &mut ScopedDecoder) -> Result<Failure, XmlDecodeError> {
    let mut entry = Failure::default();
    while let Some(mut field) = member.next_tag() {
        match field.start_el().local() {
            "Id" => entry.id = try_data(&mut field)?.into_owned(),
            "Code" => entry.code = try_data(&mut field)?.into_owned(),
            "Message" => entry.message = try_data(&mut field)?.into_owned(),
            "SenderFault" => entry.sender_fault = try_data(&mut field)?.trim() == "true",
            _ => {}
        }
    }
    Ok(entry)
}

/// Code, message and request id of `<ErrorResponse><Error><Code>...</Error><RequestId>` as SNS answers, or of
/// `<ErrorResponse><Errors><Error>` as some servers do.
fn error_code(text: &str) -> Result<(String, String, String), XmlDecodeError> {
    let mut document = Document::new(text);
    let mut root = document.root_element()?;
    let (mut found, mut request_id) = ((String::new(), String::new()), String::new());
    while let Some(mut section) = root.next_tag() {
        if section.start_el().matches("Error") {
            read_error(&mut section, &mut found)?;
        } else if section.start_el().matches("Errors") {
            while let Some(mut error) = section.next_tag() {
                read_error(&mut error, &mut found)?;
            }
        } else if section.start_el().matches("RequestId") {
            request_id = try_data(&mut section)?.into_owned();
        }
    }
    Ok((found.0, found.1, request_id))
}

fn read_error(error: &mut ScopedDecoder, (code, message): &mut (String, String)) -> Result<(), XmlDecodeError> {
    while let Some(mut field) = error.next_tag() {
        match field.start_el().local() {
            "Code" => *code = try_data(&mut field)?.into_owned(),
            "Message" => *message = try_data(&mut field)?.into_owned(),
            _ => {}
        }
    }
    Ok(())
}
