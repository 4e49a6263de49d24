//! The stub over loopback: the destination checks of init are answered as for destinations that exist.

use super::{serve, Counts, Latency};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

/// Status line, content type and body of the stub's answer to one request.
fn ask(headers: &[(&str, &str)], body: &str) -> (String, String, String) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("port");
    let address = listener.local_addr().expect("address");
    let counts = Arc::new(Counts::default());
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("a connection");
        serve(stream, &counts, Latency::default(), 0);
    });
    let mut client = TcpStream::connect(address).expect("connects");
    let mut request =
        format!("POST / HTTP/1.1\r\nhost: stub\r\nconnection: close\r\ncontent-length: {}\r\n", body.len());
    headers.iter().for_each(|(name, value)| request.push_str(&format!("{name}: {value}\r\n")));
    request.push_str("\r\n");
    request.push_str(body);
    client.write_all(request.as_bytes()).expect("request");
    let mut answer = String::new();
    client.read_to_string(&mut answer).expect("answer");
    server.join().expect("served");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a whole answer");
    let status = head.lines().next().unwrap_or_default().to_owned();
    let content_type = head.lines().find_map(|line| line.strip_prefix("content-type: ")).unwrap_or_default().to_owned();
    (status, content_type, body.to_owned())
}

#[test]
fn describe_event_bus_answers_the_buss_name_and_arn() {
    let target = [("x-amz-target", "AWSEvents.DescribeEventBus")];
    let (status, content_type, body) = ask(&target, r#"{"Name":"score-events"}"#);
    assert_eq!((status.as_str(), content_type.as_str()), ("HTTP/1.1 200 OK", "application/x-amz-json-1.1"));
    assert_eq!(body, r#"{"Name":"score-events","Arn":"arn:aws:events:us-east-1:123456789012:event-bus/score-events"}"#);
    let arn = "arn:aws:events:us-east-1:123456789012:event-bus/aws.partner/p/a";
    let (_, _, body) = ask(&target, &format!(r#"{{"Name": "{arn}"}}"#));
    assert_eq!(body, format!(r#"{{"Name":"aws.partner/p/a","Arn":"{arn}"}}"#));
}

#[test]
fn get_topic_attributes_answers_the_topics_arn_and_owner_in_sns_xml() {
    let form =
        "Action=GetTopicAttributes&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3As.fifo";
    let (status, content_type, body) = ask(&[("content-type", "application/x-www-form-urlencoded")], form);
    assert_eq!((status.as_str(), content_type.as_str()), ("HTTP/1.1 200 OK", "text/xml"));
    assert!(
        body.starts_with("<GetTopicAttributesResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">"),
        "{body}"
    );
    for entry in [
        "<entry><key>TopicArn</key><value>arn:aws:sns:us-east-1:123456789012:s.fifo</value></entry>",
        "<entry><key>Owner</key><value>123456789012</value></entry>",
        "<entry><key>FifoTopic</key><value>true</value></entry>",
    ] {
        assert!(body.contains(entry), "{entry} in {body}");
    }
}

#[test]
fn get_queue_attributes_answers_the_queue_arn_it_was_asked_for_and_nothing_else() {
    let target = [("x-amz-target", "AmazonSQS.GetQueueAttributes")];
    let asked = r#"{"QueueUrl":"http://127.0.0.1:9/123456789012/score-fanout-poison","AttributeNames":["QueueArn"]}"#;
    let (status, content_type, body) = ask(&target, asked);
    assert_eq!((status.as_str(), content_type.as_str()), ("HTTP/1.1 200 OK", "application/x-amz-json-1.0"));
    assert_eq!(body, r#"{"Attributes":{"QueueArn":"arn:aws:sqs:us-east-1:123456789012:score-fanout-poison"}}"#);
    let (_, _, body) = ask(&target, r#"{"QueueUrl":"http://127.0.0.1:9/123456789012/score-fanout-poison"}"#);
    assert_eq!(body, r#"{"Attributes":{}}"#);
}
