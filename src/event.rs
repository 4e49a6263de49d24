//! The function's event: a DynamoDB Streams event whose `Records` stay raw JSON, one block each, so that one
//! malformed record fails alone and poison reaches the dead-letter queue byte for byte as received.

use lambda_runtime::Diagnostic;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Unexpected, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::fmt;
use std::marker::PhantomData;

/// A stream event: `{"Records": [...]}`, each record kept as the JSON it came as.
#[derive(Debug, Default, Deserialize)]
pub struct StreamEvent {
    /// The records, each as the JSON it came as.
    #[serde(rename = "Records", default)]
    pub records: Vec<Box<RawValue>>,
}

/// Why an invocation's event is no stream event at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the event is not a stream event: {0}")]
pub struct NotAStreamEvent(String);

/// The invocation error Lambda reports: `errorType` `NotAStreamEvent` and the reason.
impl From<NotAStreamEvent> for Diagnostic {
    fn from(error: NotAStreamEvent) -> Self {
        Diagnostic { error_type: "NotAStreamEvent".to_owned(), error_message: error.to_string() }
    }
}

/// What the runtime hands the function: a stream event, or why the event is none. Reading it never fails, so that
/// the function answers a stranger event with its own error type instead of the runtime's deserialization error,
/// and it reads the records in one pass, without a second copy of a large event.
#[derive(Debug)]
pub struct Incoming(pub Result<StreamEvent, NotAStreamEvent>);

impl<'de> Deserialize<'de> for Incoming {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(AnyValue(PhantomData))
    }
}

/// The `Records` value: a list of raw records, or why it is not one.
struct Records(Result<Vec<Box<RawValue>>, NotAStreamEvent>);

impl<'de> Deserialize<'de> for Records {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(AnyValue(PhantomData))
    }
}

/// A value read whatever JSON comes: its one wanted shape, or a refusal naming what came instead.
trait Shape: Sized {
    const FIELD: &'static str;
    const EXPECTED: &'static str;
    fn refused(error: NotAStreamEvent) -> Self;
    fn from_map<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
    fn from_seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error>;

    fn refuse(found: Unexpected<'_>) -> Self {
        let error: serde_json::Error = de::Error::invalid_type(found, &Self::EXPECTED);
        Self::refused(NotAStreamEvent(format!("field {}: {error}", Self::FIELD)))
    }
}

impl Shape for Incoming {
    const FIELD: &'static str = "(the event itself)";
    const EXPECTED: &'static str = "an object with Records";

    fn refused(error: NotAStreamEvent) -> Self {
        Self(Err(error))
    }

    fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut records = Ok(Vec::new());
        while let Some(key) = map.next_key::<String>()? {
            if key == "Records" {
                records = map.next_value::<Records>()?.0;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Self(records.map(|records| StreamEvent { records })))
    }

    fn from_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Self::refuse(Unexpected::Seq))
    }
}

impl Shape for Records {
    const FIELD: &'static str = "Records";
    const EXPECTED: &'static str = "a sequence";

    fn refused(error: NotAStreamEvent) -> Self {
        Self(Err(error))
    }

    fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Self::refuse(Unexpected::Map))
    }

    fn from_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut records = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(record) = seq.next_element::<Box<RawValue>>()? {
            records.push(record);
        }
        Ok(Self(Ok(records)))
    }
}

/// Visits any JSON value into a [`Shape`].
struct AnyValue<T>(PhantomData<T>);

impl<'de, T: Shape> Visitor<'de> for AnyValue<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTED)
    }

    fn visit_bool<E>(self, value: bool) -> Result<T, E> {
        Ok(T::refuse(Unexpected::Bool(value)))
    }

    fn visit_i64<E>(self, value: i64) -> Result<T, E> {
        Ok(T::refuse(Unexpected::Signed(value)))
    }

    fn visit_u64<E>(self, value: u64) -> Result<T, E> {
        Ok(T::refuse(Unexpected::Unsigned(value)))
    }

    fn visit_f64<E>(self, value: f64) -> Result<T, E> {
        Ok(T::refuse(Unexpected::Float(value)))
    }

    fn visit_str<E>(self, value: &str) -> Result<T, E> {
        Ok(T::refuse(Unexpected::Str(value)))
    }

    fn visit_unit<E>(self) -> Result<T, E> {
        Ok(T::refuse(Unexpected::Unit))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        T::from_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::from_map(map)
    }
}

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
