//! The protocol: both SDKs' encodings in, strict smithy-rpc-v2-cbor out, and requests off the protocol refused.

use super::*;
use crate::custom_bus::{BusSpec, BusState};

/// The PutEvents body botocore 1.43.127 sent (research note, botocore-capture.txt): definite maps, `Time` as tag 1
/// over an unsigned integer.
const BOTOCORE_PUT_EVENTS: &str = concat!(
    "a26b4576656e7442757341726e785261726e3a6177733a6576656e74733a75732d656173742d313a31313131323232323333",
    "33333a6576656e742d62757376322f6f72646572732f6162636465666768696a6b6c6d6e6f7071727374757677787967456e",
    "747269657381a566536f757263656c73636f72652d66616e6f75746a44657461696c547970656c53636f72654368616e6765",
    "646644657461696c677b2261223a317d6454696d65c11a695735a56e53797374656d4d65746164617461a26c4576656e7447",
    "726f7570496468706c617965722d316f44656475706c69636174696f6e4964656576742d31",
);

fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex")).collect()
}

#[tokio::test]
async fn a_request_encoded_as_botocore_encodes_it_is_published_with_its_time() {
    let orders = BusSpec {
        name: "orders".into(),
        id: Some("abcdefghijklmnopqrstuvwxy".into()),
        state: BusState::Active,
        retention_days: 1,
    };
    let bus = CustomBusConfig::new().account("111122223333").bus_spec(orders).start().await.expect("stand-in");
    let answer = call(&bus.endpoint, "PutEvents", &hex(BOTOCORE_PUT_EVENTS)).await;
    assert_eq!(answer.status, 200, "{:?}", answer.value());
    assert_eq!(answer.codes(), ["PUBLISHED"]);
    assert_eq!(answer.member("FailedEntryCount"), Value::Integer(0.into()));
    let accepted = bus.accepted();
    assert_eq!(accepted.len(), 1);
    let event = &accepted[0];
    assert_eq!(event.bus_arn, "arn:aws:events:us-east-1:111122223333:event-busv2/orders/abcdefghijklmnopqrstuvwxy");
    assert_eq!((event.source.as_str(), event.detail_type.as_str()), ("score-fanout", "ScoreChanged"));
    assert_eq!((event.detail.as_str(), event.time.as_str()), (r#"{"a":1}"#, "2026-01-02T03:04:05Z"));
    assert_eq!(event.event_group_id.as_deref(), Some("player-1"));
    assert_eq!(event.deduplication_id.as_deref(), Some("evt-1"));
    assert_eq!(member(&answer.entries()[0], "EventId"), text(&event.event_id));
}

#[tokio::test]
async fn a_request_encoded_as_the_rust_sdk_encodes_it_is_published_with_its_time() {
    let (bus, arn) = stand_in().await;
    let mut first = entry("player-1", "evt-1", 1);
    let Value::Map(members) = &mut first else { unreachable!() };
    members.push((text("Time"), Value::Tag(1, Box::new(Value::Float(1_767_323_045.25)))));
    let body = indefinite(&put_request(&arn, vec![first, entry("player-2", "evt-2", 2)]));
    assert_eq!(body[0], 0xbf, "the test's body opens an indefinite map");
    assert!(body.windows(2).any(|w| w == [0xc1, 0xfb]), "and holds a tag-1 double");
    let answer = call(&bus.endpoint, "PutEvents", &body).await;
    assert_eq!(answer.status, 200, "{:?}", answer.value());
    assert_eq!(answer.codes(), ["PUBLISHED", "PUBLISHED"]);
    let accepted = bus.accepted();
    assert_eq!(accepted[0].time, "2026-01-02T03:04:05Z");
    assert_eq!((accepted[0].detail.as_str(), accepted[1].detail.as_str()), (r#"{"n":1}"#, r#"{"n":2}"#));
    assert_eq!(accepted[1].event_group_id.as_deref(), Some("player-2"));
}

/// Every map, array and string of `body` has a definite length, and the item ends at the body's end.
fn assert_definite(body: &[u8]) {
    fn item(body: &[u8], at: usize) -> usize {
        let (major, info) = (body[at] >> 5, body[at] & 0x1f);
        assert_ne!(info, 31, "an indefinite length at byte {at}");
        let (argument, next) = match info {
            0..=23 => (u64::from(info), at + 1),
            24..=27 => {
                let width = 1 << (info - 24);
                let bytes = &body[at + 1..at + 1 + width];
                (bytes.iter().fold(0, |n, b| n << 8 | u64::from(*b)), at + 1 + width)
            }
            _ => panic!("reserved additional information at byte {at}"),
        };
        match major {
            2 | 3 => next + argument as usize,
            4 => (0..argument).fold(next, |at, _| item(body, at)),
            5 => (0..argument * 2).fold(next, |at, _| item(body, at)),
            6 => item(body, next),
            _ => next,
        }
    }
    assert_eq!(item(body, 0), body.len(), "the answer is one item and nothing after it");
}

#[tokio::test]
async fn answers_are_one_definite_cbor_item_with_the_protocol_headers() {
    let (bus, arn) = stand_in().await;
    let published = put(&bus, &arn, vec![entry("g", "1", 1)]).await;
    let described = call(&bus.endpoint, "DescribeEventBus", &definite(&map(&[("EventBusArn", text(&arn))]))).await;
    let missing =
        call(&bus.endpoint, "DescribeEventBus", &definite(&map(&[("EventBusArn", text(&arn[..arn.len() - 1]))]))).await;
    for answer in [&published, &described, &missing] {
        assert_eq!(answer.header("smithy-protocol"), Some("rpc-v2-cbor"));
        assert_eq!(answer.header("content-type"), Some("application/cbor"));
        assert!(answer.header("x-amzn-requestid").is_some_and(|id| !id.is_empty()));
        assert_definite(&answer.body);
    }
    assert_eq!((published.status, described.status), (200, 200));
    // Timestamps as tag 1 and an 8-byte double, never the shorter widths an older smithy decoder refuses.
    assert!(described.body.windows(2).any(|w| w == [0xc1, 0xfb]));
    assert!(!described.body.windows(2).any(|w| w == [0xc1, 0xfa] || w == [0xc1, 0xf9] || w == [0xc1, 0x1a]));
    assert_eq!(described.member("Name"), text("scores"));
    assert_eq!(described.member("State"), text("ACTIVE"));
    assert_eq!(described.member("EventBusArn"), text(&arn));
    assert_eq!(member(&described.member("StorageConfiguration"), "RetentionPeriodInDays"), Value::Integer(1.into()));
}

#[tokio::test]
async fn the_absolute_service_shape_id_and_a_path_prefix_route_like_the_service_name() {
    let (bus, arn) = stand_in().await;
    let body = definite(&map(&[("EventBusArn", text(&arn))]));
    let headers = [("smithy-protocol", "rpc-v2-cbor"), ("authorization", SIGNED)];
    let path = "/v1/service/com.amazonaws.eventbridgev2.AWSEventsV2/operation/DescribeEventBus";
    let answer = send(&bus.endpoint, "POST", path, &headers, &body).await;
    assert_eq!(answer.status, 200, "{:?}", answer.value());
    assert_eq!(answer.member("Name"), text("scores"));
    let answer =
        send(&bus.endpoint, "POST", "/service/EventBridgeV2/operation/DescribeEventBus", &headers, &body).await;
    assert_eq!((answer.status, answer.error().0.as_str()), (404, "UnknownOperationException"));
}

#[tokio::test]
async fn requests_off_the_protocol_are_refused_before_any_operation() {
    let (bus, arn) = stand_in().await;
    let body = definite(&put_request(&arn, vec![entry("g", "1", 1)]));
    let path = "/service/AWSEventsV2/operation/PutEvents";
    let protocol = ("smithy-protocol", "rpc-v2-cbor");
    let refusals = [
        ("POST", path, vec![("authorization", SIGNED)], 404),
        ("POST", path, vec![("smithy-protocol", "rpc-v2-json"), ("authorization", SIGNED)], 404),
        ("POST", path, vec![protocol, ("x-amz-target", "AWSEventsV2.PutEvents"), ("authorization", SIGNED)], 404),
        ("POST", path, vec![protocol, ("x-amzn-target", "AWSEventsV2.PutEvents"), ("authorization", SIGNED)], 404),
        ("GET", path, vec![protocol, ("authorization", SIGNED)], 405),
        ("POST", "/service/AWSEventsV2/operation/CreateEventBus", vec![protocol, ("authorization", SIGNED)], 404),
    ];
    for (method, path, headers, status) in refusals {
        let answer = send(&bus.endpoint, method, path, &headers, &body).await;
        assert_eq!(answer.status, status, "{method} {path} {headers:?}");
        assert_eq!(answer.header("smithy-protocol"), Some("rpc-v2-cbor"));
    }
    assert!(bus.accepted().is_empty(), "nothing refused by the router reaches the bus");
}

#[tokio::test]
async fn a_body_that_is_not_one_cbor_item_is_invalid_input_not_a_dropped_connection() {
    let (bus, arn) = stand_in().await;
    let good = definite(&put_request(&arn, vec![entry("g", "1", 1)]));
    let bodies = [
        good[..good.len() - 3].to_vec(),
        [good.as_slice(), &[0x00]].concat(),
        br#"{"EventBusArn": "x"}"#.to_vec(),
        vec![0x81; 10_000],
        vec![0xff],
        vec![0x82, 0x01, 0x02],
    ];
    for body in bodies {
        let answer = call(&bus.endpoint, "PutEvents", &body).await;
        assert_eq!(answer.status, 400, "{body:02x?}");
        assert_eq!(answer.error().0, "com.amazonaws.eventbridgev2#InvalidInputException");
    }
    assert!(bus.accepted().is_empty());
}

#[tokio::test]
async fn a_request_not_signed_for_events_in_the_stand_in_region_is_denied() {
    let (bus, arn) = stand_in().await;
    let body = definite(&put_request(&arn, vec![entry("g", "1", 1)]));
    let path = "/service/AWSEventsV2/operation/PutEvents";
    let scope = |scope: &str| format!("AWS4-HMAC-SHA256 Credential=test/20261207/{scope}/aws4_request, Signature=00");
    let (eventsv2, other_region) = (scope("us-east-1/eventsv2"), scope("eu-west-1/events"));
    for authorization in [None, Some(eventsv2.as_str()), Some(other_region.as_str()), Some("Bearer x")] {
        let mut headers = vec![("smithy-protocol", "rpc-v2-cbor")];
        headers.extend(authorization.map(|value| ("authorization", value)));
        let answer = send(&bus.endpoint, "POST", path, &headers, &body).await;
        assert_eq!(answer.status, 403, "{authorization:?}");
        assert_eq!(answer.error().0, "com.amazonaws.eventbridgev2#AccessDeniedException");
    }
    assert!(bus.accepted().is_empty());
}
