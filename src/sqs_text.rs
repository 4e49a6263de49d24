//! Text SQS accepts. SQS takes only `#x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF` in a message
//! body and its attribute values, and refuses a message holding anything else (`InvalidMessageContents`). The
//! dead-letter queue is SQS, and SNS and EventBridge deliver to SQS subscribers and targets, so every JSON document
//! the function sends is written here with each refused character as a JSON `\uXXXX` escape: the same JSON value,
//! in text SQS accepts. Valid JSON text holds no raw control character but tab, LF and CR, so the refused characters
//! it can hold are U+FFFE and U+FFFF, and only inside strings: escaping them anywhere in a finished JSON text, such
//! as a stream record kept as received, gives the same value. A plain-text attribute gets the same six characters
//! as text.

use serde::Serialize;
use serde_json::ser::{Formatter, Serializer};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;

/// Whether SQS accepts `c` in a message body or an attribute value.
pub fn is_accepted(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// `value` as compact JSON whose every character SQS accepts.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    let mut json = Vec::with_capacity(256);
    // Serializing the function's own types, JSON values and raw JSON cannot fail, and the writer only takes
    // whole UTF-8 fragments and ASCII escapes.
    match value.serialize(&mut Serializer::with_formatter(&mut json, SqsFormatter)) {
        Ok(()) => String::from_utf8(json).unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// The length of [`to_json`]'s document, written nowhere.
pub fn json_len<T: Serialize + ?Sized>(value: &T) -> usize {
    let mut count = Count(0);
    // As to_json: it cannot fail.
    let _ = value.serialize(&mut Serializer::with_formatter(&mut count, SqsFormatter));
    count.0
}

/// `text` for a plain-text attribute: each character SQS refuses as the six characters `\uXXXX` (lowercase hex,
/// as JSON writers write it; every refused character is below U+10000, so four digits always do).
pub fn attribute_text(text: &str) -> Cow<'_, str> {
    if text.chars().all(is_accepted) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_accepted(c) {
            escaped.push(c);
        } else {
            // Writing to a String cannot fail.
            let _ = write!(escaped, "\\u{:04x}", u32::from(c));
        }
    }
    Cow::Owned(escaped)
}

/// serde_json's compact output, with refused characters escaped in strings and in raw JSON fragments.
struct SqsFormatter;

impl Formatter for SqsFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        write_escaped(writer, fragment)
    }

    fn write_raw_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        write_escaped(writer, fragment)
    }
}

/// Writes `text` with each refused character as `\uXXXX`.
fn write_escaped<W: ?Sized + io::Write>(writer: &mut W, text: &str) -> io::Result<()> {
    // Every refused character is a control character or U+FFFE / U+FFFF (bytes EF BF BE / EF BF BF): text without
    // such bytes, nearly all of it, is written as it is without decoding a character.
    if !text.bytes().any(|byte| byte < 0x20 || byte == 0xEF) {
        return writer.write_all(text.as_bytes());
    }
    let mut written = 0;
    for (at, c) in text.char_indices().filter(|&(_, c)| !is_accepted(c)) {
        writer.write_all(&text.as_bytes()[written..at])?;
        write!(writer, "\\u{:04x}", u32::from(c))?;
        written = at + c.len_utf8();
    }
    writer.write_all(&text.as_bytes()[written..])
}

/// A writer that only counts.
struct Count(usize);

impl io::Write for Count {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
#[path = "sqs_text_tests.rs"]
mod tests;
