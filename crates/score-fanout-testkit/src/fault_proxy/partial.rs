//! Real partial failures: the chosen entries of a `PutEvents` or `PublishBatch` call are removed before the call
//! is forwarded (so they are not delivered) and reported failed in the response, in the service's own format.

use super::upstream::Upstream;
use super::wire::{response, split_response, Request, Service};
use serde_json::{json, Value};

/// Forwards `request` without the entries `fail` picks, and answers as the service does for those entries.
pub(super) async fn fail_entries(
    upstream: &mut Upstream<'_>,
    service: Service,
    request: Request,
    code: &str,
    sender_fault: bool,
    fail: impl FnMut(usize) -> bool,
) -> Vec<u8> {
    match service {
        Service::EventBridge => put_events(upstream, request, code, fail).await,
        Service::Sns => publish_batch(upstream, request, code, sender_fault, fail).await,
        _ => upstream.forward(&request).await,
    }
}

async fn put_events(
    upstream: &mut Upstream<'_>,
    request: Request,
    code: &str,
    mut fail: impl FnMut(usize) -> bool,
) -> Vec<u8> {
    let mut body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let entries = body["Entries"].as_array().cloned().unwrap_or_default();
    let failed: Vec<bool> = (0..entries.len()).map(&mut fail).collect();
    let kept: Vec<Value> = entries.iter().zip(&failed).filter(|(_, f)| !**f).map(|(e, _)| e.clone()).collect();
    let mut upstream_results = Vec::new();
    let mut upstream_failed = 0;
    if !kept.is_empty() {
        body["Entries"] = Value::Array(kept);
        let raw = upstream.send(&request, body.to_string().as_bytes()).await;
        let (status, _, answer) = split_response(&raw);
        if status != 200 {
            return raw;
        }
        let answer: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
        upstream_results = answer["Entries"].as_array().cloned().unwrap_or_default();
        upstream_failed = answer["FailedEntryCount"].as_u64().unwrap_or(0);
    }
    let mut upstream_results = upstream_results.into_iter();
    let results: Vec<Value> = failed
        .iter()
        .map(|&f| {
            if f {
                json!({"ErrorCode": code, "ErrorMessage": "injected by the fault proxy"})
            } else {
                upstream_results.next().unwrap_or(Value::Null)
            }
        })
        .collect();
    let failed_count = failed.iter().filter(|f| **f).count() as u64 + upstream_failed;
    let answer = json!({"FailedEntryCount": failed_count, "Entries": results});
    response(200, "application/x-amz-json-1.1", answer.to_string().into_bytes())
}

const MEMBER: &str = "PublishBatchRequestEntries.member.";

async fn publish_batch(
    upstream: &mut Upstream<'_>,
    request: Request,
    code: &str,
    sender_fault: bool,
    mut fail: impl FnMut(usize) -> bool,
) -> Vec<u8> {
    let params: Vec<(String, String)> = form_urlencoded::parse(&request.body).into_owned().collect();
    let mut members: Vec<usize> = params.iter().filter_map(|(k, _)| member_of(k)).collect();
    members.sort_unstable();
    members.dedup();
    let failed: Vec<usize> = members.iter().enumerate().filter(|(i, _)| fail(*i)).map(|(_, n)| *n).collect();
    let id_of = |n: usize| {
        params.iter().find(|(k, _)| *k == format!("{MEMBER}{n}.Id")).map(|(_, v)| v.clone()).unwrap_or_default()
    };
    let failed_xml: String = failed
        .iter()
        .map(|&n| {
            format!(
                "<member><Id>{}</Id><Code>{code}</Code><Message>injected by the fault proxy</Message><SenderFault>{sender_fault}</SenderFault></member>",
                id_of(n)
            )
        })
        .collect();
    let kept: Vec<usize> = members.iter().copied().filter(|n| !failed.contains(n)).collect();
    if kept.is_empty() {
        let xml = format!(
            "<PublishBatchResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishBatchResult><Successful/><Failed>{failed_xml}</Failed></PublishBatchResult><ResponseMetadata><RequestId>fault-proxy</RequestId></ResponseMetadata></PublishBatchResponse>"
        );
        return response(200, "text/xml", xml.into_bytes());
    }
    let body = rebuild_without(&params, &kept);
    let raw = upstream.send(&request, body.as_bytes()).await;
    let (status, content_type, answer) = split_response(&raw);
    if status != 200 || failed.is_empty() {
        return raw;
    }
    let xml = String::from_utf8_lossy(&answer).into_owned();
    let merged = if let Some(at) = xml.find("<Failed>") {
        format!("{}<Failed>{failed_xml}{}", &xml[..at], &xml[at + "<Failed>".len()..])
    } else if let Some(empty) = ["<Failed/>", "<Failed />"].iter().find(|tag| xml.contains(**tag)) {
        xml.replacen(empty, &format!("<Failed>{failed_xml}</Failed>"), 1)
    } else {
        xml.replacen("</PublishBatchResult>", &format!("<Failed>{failed_xml}</Failed></PublishBatchResult>"), 1)
    };
    response(200, &content_type, merged.into_bytes())
}

fn member_of(key: &str) -> Option<usize> {
    key.strip_prefix(MEMBER).and_then(|rest| rest.split_once('.')).and_then(|(n, _)| n.parse::<usize>().ok())
}

/// The form body with only the `kept` members, renumbered from 1 as SNS expects.
fn rebuild_without(params: &[(String, String)], kept: &[usize]) -> String {
    let mut body = form_urlencoded::Serializer::new(String::new());
    for (key, value) in params {
        match member_of(key) {
            None => {
                body.append_pair(key, value);
            }
            Some(n) => {
                if let Some(position) = kept.iter().position(|k| *k == n) {
                    let rest = key.strip_prefix(&format!("{MEMBER}{n}.")).unwrap_or_default();
                    body.append_pair(&format!("{MEMBER}{}.{rest}", position + 1), value);
                }
            }
        }
    }
    body.finish()
}
