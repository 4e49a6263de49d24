//! smithy-rpc-v2-cbor bodies. Requests are decoded with ciborium into a [`Value`] (definite and indefinite maps,
//! strings in chunks, tags kept), exactly one item and nothing after it; answers are written with ciborium's
//! low-level encoder, every map and array of definite length and every timestamp as tag 1 and an 8-byte double,
//! which is what older aws-smithy-cbor decoders require (they read the tag, then `f64()`).

use super::error::ServiceError;
use ciborium::Value;
use ciborium_ll::{simple, Encoder, Header};
use std::io::Write;

/// How deep a request may nest. PutEvents needs four levels; ciborium's own default (256) is safe too, but this
/// turns a hostile body into an error long before it costs anything.
const NESTING_LIMIT: usize = 16;

/// The one CBOR item of a request body. An empty body is the empty structure, as the protocol allows.
pub fn decode(body: &[u8]) -> Result<Value, ServiceError> {
    if body.is_empty() {
        return Ok(Value::Map(Vec::new()));
    }
    let mut rest = body;
    let value: Value = ciborium::de::from_reader_with_recursion_limit(&mut rest, NESTING_LIMIT)
        .map_err(|e| ServiceError::InvalidInput(format!("the request body is not one CBOR item: {e}")))?;
    if !rest.is_empty() {
        return Err(ServiceError::InvalidInput(format!("{} bytes after the request's CBOR item", rest.len())));
    }
    Ok(value)
}

/// The members of a structure: a CBOR map with text keys. `null` (and `undefined`, which ciborium reads as null)
/// counts as absent, as the protocol says.
pub struct Structure<'a>(&'a [(Value, Value)]);

impl<'a> Structure<'a> {
    /// `value` as a structure named `name` in errors.
    pub fn of(value: &'a Value, name: &str) -> Result<Self, ServiceError> {
        match value {
            Value::Map(members) => Ok(Self(members)),
            _ => Err(ServiceError::InvalidInput(format!("{name} must be a structure (a CBOR map)"))),
        }
    }

    /// Member `key`, if present and not null.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        let found = self.0.iter().find(|(k, _)| matches!(k, Value::Text(text) if text == key));
        found.map(|(_, value)| value).filter(|value| !value.is_null())
    }

    /// Member `key` as a string.
    pub fn text(&self, key: &str) -> Result<Option<&'a str>, ServiceError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Text(text)) => Ok(Some(text)),
            Some(_) => Err(ServiceError::InvalidInput(format!("{key} must be a string"))),
        }
    }

    /// Member `key` as a list.
    pub fn list(&self, key: &str) -> Result<Option<&'a [Value]>, ServiceError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(_) => Err(ServiceError::InvalidInput(format!("{key} must be a list"))),
        }
    }

    /// Member `key` as a timestamp: tag 1 over epoch seconds, an integer or a float of any width (botocore writes
    /// an integer when there is no fraction, the Rust SDK always a double).
    pub fn timestamp(&self, key: &str) -> Result<Option<f64>, ServiceError> {
        let bad = || ServiceError::InvalidInput(format!("{key} must be a timestamp (tag 1, epoch seconds)"));
        let Some(value) = self.get(key) else { return Ok(None) };
        let Value::Tag(1, inner) = value else { return Err(bad()) };
        let seconds = match inner.as_ref() {
            Value::Integer(n) => i128::from(*n) as f64,
            Value::Float(f) if f.is_finite() => *f,
            _ => return Err(bad()),
        };
        Ok(Some(seconds))
    }
}

/// A timestamp to answer with.
pub fn timestamp(seconds: f64) -> Value {
    Value::Tag(1, Box::new(Value::Float(seconds)))
}

/// A structure to answer with; absent members are left out by the caller, as the protocol wants.
pub fn structure(members: Vec<(&str, Value)>) -> Value {
    Value::Map(members.into_iter().map(|(key, value)| (Value::Text(key.to_owned()), value)).collect())
}

/// The answer's bytes.
pub fn encode(value: &Value) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(256);
    write(&mut Encoder::from(&mut out), value)?;
    Ok(out)
}

/// The body of an error answer: `__type` and `Message`.
pub fn error_body(error: &ServiceError) -> std::io::Result<Vec<u8>> {
    encode(&structure(vec![("__type", Value::Text(error.type_id())), ("Message", Value::Text(error.to_string()))]))
}

fn write<W: Write>(encoder: &mut Encoder<W>, value: &Value) -> std::io::Result<()> {
    match value {
        Value::Map(members) => {
            encoder.push(Header::Map(Some(members.len())))?;
            for (key, member) in members {
                write(encoder, key)?;
                write(encoder, member)?;
            }
            Ok(())
        }
        Value::Array(items) => {
            encoder.push(Header::Array(Some(items.len())))?;
            items.iter().try_for_each(|item| write(encoder, item))
        }
        Value::Text(text) => encoder.text(text, None),
        Value::Bytes(bytes) => encoder.bytes(bytes, None),
        Value::Integer(n) => match u64::try_from(i128::from(*n)) {
            Ok(positive) => encoder.push(Header::Positive(positive)),
            // CBOR's negative integers hold -1 - n.
            Err(_) => encoder.push(Header::Negative((-1 - i128::from(*n)) as u64)),
        },
        // Header::Float would pick the shortest exact width; a smithy timestamp reader may want the double.
        Value::Float(f) => ciborium_io::Write::write_all(encoder, &[&[0xfb][..], &f.to_be_bytes()].concat()),
        Value::Tag(tag, inner) => {
            encoder.push(Header::Tag(*tag))?;
            write(encoder, inner)
        }
        Value::Bool(flag) => encoder.push(Header::Simple(if *flag { simple::TRUE } else { simple::FALSE })),
        _ => encoder.push(Header::Simple(simple::NULL)),
    }
}

#[cfg(test)]
#[path = "cbor_tests.rs"]
mod tests;
