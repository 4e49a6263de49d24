//! The proxy between a raw client and a canned upstream: what it enters in its ledger; in [`answers`], the checks
//! it recognises, the answers it makes up in each service's wire shape and the upstream headers it passes on.

mod answers;

use super::wire::{read_request, response_header, split_response};
use super::*;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// An upstream answering every request with `answer` after `delay`; it keeps each request's body.
async fn upstream(answer: Vec<u8>, delay: Duration) -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("port");
    let address = listener.local_addr().expect("address").to_string();
    let bodies: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let kept = bodies.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (answer, kept) = (answer.clone(), kept.clone());
            tokio::spawn(async move {
                if let Some(request) = read_request(&mut stream, &mut Vec::new()).await {
                    kept.lock().expect("bodies").push(request.body);
                    tokio::time::sleep(delay).await;
                    let _ = stream.write_all(&answer).await;
                }
            });
        }
    });
    (address, bodies)
}

fn put_events(event_ids: &[&str]) -> (Vec<(String, String)>, Vec<u8>) {
    let entries: Vec<_> = event_ids
        .iter()
        .map(|id| serde_json::json!({"Detail": serde_json::json!({"eventId": id}).to_string(), "EventBusName": "bus"}))
        .collect();
    (target("AWSEvents.PutEvents"), serde_json::json!({"Entries": entries}).to_string().into_bytes())
}

fn target(target: &str) -> Vec<(String, String)> {
    vec![("x-amz-target".to_owned(), target.to_owned())]
}

const GET_TOPIC_ATTRIBUTES: &[u8] =
    b"Action=GetTopicAttributes&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A1%3At";

async fn send(proxy: &FaultProxy, headers: &[(String, String)], body: &[u8]) -> TcpStream {
    let mut client = TcpStream::connect(proxy.endpoint.trim_start_matches("http://")).await.expect("connects");
    let mut head = format!("POST / HTTP/1.1\r\nhost: proxy\r\ncontent-length: {}\r\n", body.len());
    headers.iter().for_each(|(name, value)| head.push_str(&format!("{name}: {value}\r\n")));
    head.push_str("\r\n");
    client.write_all(head.as_bytes()).await.expect("head");
    client.write_all(body).await.expect("body");
    client
}

/// The whole answer to one request, read by its content length (the proxy keeps the connection open), or as much
/// as came before the proxy closed the connection.
async fn call(proxy: &FaultProxy, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut client = send(proxy, headers, body).await;
    let mut raw = Vec::new();
    loop {
        let mut chunk = [0u8; 4096];
        let reading = tokio::time::timeout(Duration::from_secs(5), client.read(&mut chunk));
        let read = reading.await.expect("the proxy neither finished its answer nor closed").expect("answer");
        raw.extend_from_slice(&chunk[..read]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut parsed = httparse::Response::new(&mut headers);
        if let Ok(httparse::Status::Complete(head)) = parsed.parse(&raw) {
            let length = response_header(&raw, "content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
            if read == 0 || raw.len() >= head + length {
                return raw;
            }
        } else if read == 0 {
            return raw;
        }
    }
}

const ACCEPTED: &str = r#"{"FailedEntryCount":0,"Entries":[{"EventId":"1"},{"EventId":"2"}]}"#;

fn accepted() -> Vec<u8> {
    response(200, "application/x-amz-json-1.1", ACCEPTED.as_bytes().to_vec())
}

fn fates(proxy: &FaultProxy) -> Vec<(String, bool, AnswerFate)> {
    proxy.ledger().into_iter().map(|d| (d.event_id, d.accepted, d.fate)).collect()
}

#[tokio::test]
async fn an_answer_written_whole_is_entered_as_answered_for_each_forwarded_entry() {
    let (address, _) = upstream(accepted(), Duration::ZERO).await;
    let proxy = FaultProxy::start(&address, 1, |_, _| Fault::Forward).await;
    let (headers, body) = put_events(&["e1", "e2"]);
    assert_eq!(split_response(&call(&proxy, &headers, &body).await).0, 200);
    proxy.settled().await;
    let answered = AnswerFate::Answered;
    assert_eq!(fates(&proxy), [("e1".into(), true, answered), ("e2".into(), true, answered)]);
}

#[tokio::test]
async fn a_client_closing_the_connection_while_the_upstream_works_is_entered_as_given_up_and_still_delivered() {
    let (address, bodies) = upstream(accepted(), Duration::from_millis(400)).await;
    let proxy = FaultProxy::start(&address, 1, |_, _| Fault::Forward).await;
    let (headers, body) = put_events(&["e1", "e2"]);
    let client = send(&proxy, &headers, &body).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(client);
    tokio::time::sleep(Duration::from_millis(50)).await;
    proxy.settled().await;
    assert_eq!(bodies.lock().expect("bodies").len(), 1, "the upstream call went on");
    let given_up = AnswerFate::GivenUp;
    assert_eq!(fates(&proxy), [("e1".into(), true, given_up), ("e2".into(), true, given_up)]);
}

#[tokio::test]
async fn an_answer_cut_halfway_is_entered_as_lost_and_a_refused_request_as_nothing_accepted() {
    let (address, _) = upstream(accepted(), Duration::ZERO).await;
    let proxy = FaultProxy::start(
        &address,
        1,
        |call, _| if call.number == 1 { Fault::ResetMidAnswer } else { Fault::Throttle },
    )
    .await;
    let (headers, body) = put_events(&["e1", "e2"]);
    let cut = call(&proxy, &headers, &body).await;
    assert!(cut.len() < accepted().len());
    assert_eq!(split_response(&call(&proxy, &headers, &body).await).0, 400);
    proxy.settled().await;
    let lost = AnswerFate::AnswerLost;
    assert_eq!(
        fates(&proxy),
        [("e1".into(), true, lost), ("e2".into(), true, lost)],
        "the throttled call forwarded nothing"
    );
}
