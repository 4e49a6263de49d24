//! The success answers of the destination checks a function makes at init, in each service's shape: EventBridge
//! `DescribeEventBus` (JSON 1.1: `Name`, `Arn`), SNS `GetTopicAttributes` (query protocol: an XML `entry`/`key`/
//! `value` map), SQS `GetQueueAttributes` (JSON 1.0: `{"Attributes": {...}}`, only what was asked for). Every
//! destination exists, in the bench's region and account.

use super::form;

/// The answer to a destination check, its content type and body; `None` for any other request. (Both SDKs put the
/// query action first in the form body.)
pub fn answer(target: &str, body: &[u8]) -> Option<(&'static str, String)> {
    match target {
        "AWSEvents.DescribeEventBus" => Some(("application/x-amz-json-1.1", describe_event_bus(body))),
        "AmazonSQS.GetQueueAttributes" => Some(("application/x-amz-json-1.0", get_queue_attributes(body))),
        "" if body.starts_with(b"Action=GetTopicAttributes&") => Some(("text/xml", get_topic_attributes(body))),
        _ => None,
    }
}

/// Whether the request is a destination check (see [`answer`]).
pub fn is_check(target: &str, body: &[u8]) -> bool {
    matches!(target, "AWSEvents.DescribeEventBus" | "AmazonSQS.GetQueueAttributes")
        || (target.is_empty() && body.starts_with(b"Action=GetTopicAttributes&"))
}

const REGION: &str = "us-east-1";
const ACCOUNT: &str = "123456789012";

/// `{"Name", "Arn"}` of the bus the JSON body names (a name or an ARN; none is the default bus).
pub fn describe_event_bus(body: &[u8]) -> String {
    let named = json_string(body, "Name").unwrap_or_else(|| "default".to_owned());
    let (name, arn) = match named.split_once(":event-bus/") {
        Some((_, name)) => (name.to_owned(), named.clone()),
        None => (named.clone(), format!("arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{named}")),
    };
    format!("{{\"Name\":\"{}\",\"Arn\":\"{}\"}}", json_escaped(&name), json_escaped(&arn))
}

/// The attributes of the topic the form body names: its ARN, owner, and whether it is FIFO.
pub fn get_topic_attributes(body: &[u8]) -> String {
    let arn = form::value(body, "TopicArn").unwrap_or_default();
    let owner = arn.split(':').nth(4).unwrap_or(ACCOUNT).to_owned();
    let fifo = arn.ends_with(".fifo");
    let entry = |key: &str, value: &str| format!("<entry><key>{key}</key><value>{}</value></entry>", escaped(value));
    format!(
        "<GetTopicAttributesResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><GetTopicAttributesResult>\
         <Attributes>{}{}{}</Attributes></GetTopicAttributesResult><ResponseMetadata><RequestId>\
         00000000-0000-4000-8000-000000000000</RequestId></ResponseMetadata></GetTopicAttributesResponse>",
        entry("TopicArn", &arn),
        entry("Owner", &owner),
        entry("FifoTopic", if fifo { "true" } else { "false" }),
    )
}

/// The queue's ARN, from the URL's last two path segments (account, name), when `QueueArn` or `All` is asked for;
/// as SQS does, nothing when no attribute is.
pub fn get_queue_attributes(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if !(text.contains("\"QueueArn\"") || text.contains("\"All\"")) {
        return "{\"Attributes\":{}}".to_owned();
    }
    let url = json_string(body, "QueueUrl").unwrap_or_default();
    let mut segments = url.rsplit('/');
    let name = segments.next().unwrap_or_default();
    let account = segments.next().filter(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit())).unwrap_or(ACCOUNT);
    let arn = format!("arn:aws:sqs:{REGION}:{account}:{name}");
    format!("{{\"Attributes\":{{\"QueueArn\":\"{}\"}}}}", json_escaped(&arn))
}

/// The string value of `"key"` in a flat JSON object, as written (names, ARNs and URLs hold no escapes but `\/`).
fn json_string(body: &[u8], key: &str) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let after_key = text.split_once(&format!("\"{key}\""))?.1;
    let value = after_key.trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    None
}

fn json_escaped(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn escaped(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
