//! A DynamoDB Streams API record turned into exactly the JSON Lambda delivers: the API's shape plus
//! `eventSourceARN`, absent fields left out.

use aws_sdk_dynamodbstreams::types::Record;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

pub(super) fn to_raw(record: &Record, stream_arn: &str) -> Box<RawValue> {
    let json = lambda_record(record, stream_arn).to_string();
    // A serialized JSON value is always valid raw JSON.
    RawValue::from_string(json).unwrap_or_else(|_| unreachable!("serde_json output is JSON"))
}

/// The record as Lambda delivers it: the Streams API shape plus `eventSourceARN`, with absent fields left out.
pub fn lambda_record(record: &Record, stream_arn: &str) -> Value {
    let mut out = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            out.insert(key.to_owned(), value);
        }
    };
    put("eventID", record.event_id().map(Value::from));
    put("eventName", record.event_name().map(|name| Value::from(name.as_str())));
    put("eventVersion", record.event_version().map(Value::from));
    put("eventSource", record.event_source().map(Value::from));
    put("awsRegion", record.aws_region().map(Value::from));
    put("dynamodb", record.dynamodb().map(stream_record));
    put(
        "userIdentity",
        record.user_identity().map(|id| json!({"type": id.r#type(), "principalId": id.principal_id()})),
    );
    put("eventSourceARN", Some(Value::from(stream_arn)));
    Value::Object(out)
}

fn stream_record(stream: &aws_sdk_dynamodbstreams::types::StreamRecord) -> Value {
    let mut out = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            out.insert(key.to_owned(), value);
        }
    };
    put("ApproximateCreationDateTime", stream.approximate_creation_date_time().map(|t| Value::from(t.secs())));
    put("Keys", stream.keys.as_ref().map(item));
    put("NewImage", stream.new_image.as_ref().map(item));
    put("OldImage", stream.old_image.as_ref().map(item));
    put("SequenceNumber", stream.sequence_number().map(Value::from));
    put("SizeBytes", stream.size_bytes().map(Value::from));
    put("StreamViewType", stream.stream_view_type().map(|view| Value::from(view.as_str())));
    Value::Object(out)
}

fn item(attributes: &HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>) -> Value {
    serde_json::to_value(serde_dynamo::Item::from(attributes.clone())).unwrap_or(Value::Null)
}
