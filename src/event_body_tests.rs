//! The event body moved aside for the handler: the same bytes, under their request id, the runtime left with
//! `null`; never kept past the invocation.

use super::*;
use lambda_runtime::tower::{service_fn, ServiceExt};
use std::convert::Infallible;

fn invocation(request_id: &str, body: Bytes) -> LambdaInvocation {
    let mut context = lambda_runtime::Context::default();
    context.request_id = request_id.to_owned();
    LambdaInvocation { parts: http::Response::new(()).into_parts().0, body, context }
}

#[tokio::test]
async fn the_handler_takes_the_very_bytes_received_and_the_runtime_sees_null() {
    let bodies = EventBodies::default();
    let received = Bytes::from(r#"{"Records":[{"eventID":"1"}]}"#);
    let seen = bodies.clone();
    let inner = service_fn(move |invocation: LambdaInvocation| {
        let seen = seen.clone();
        async move {
            let taken = seen.take(&invocation.context.request_id);
            Ok::<_, Infallible>((invocation.body, taken))
        }
    });
    let layered = EventBodyLayer::new(bodies.clone()).layer(inner);
    let (runtime_body, taken) = layered.oneshot(invocation("req-1", received.clone())).await.unwrap();
    assert_eq!(runtime_body, Bytes::from_static(b"null"));
    let taken = taken.expect("the body under its request id");
    assert_eq!(taken, received);
    assert_eq!(taken.as_ptr(), received.as_ptr(), "the same bytes, not a copy");
    assert!(bodies.take("req-1").is_none(), "taken once");
}

#[tokio::test]
async fn a_body_its_handler_never_took_is_dropped_when_the_invocation_ends() {
    let bodies = EventBodies::default();
    let inner = service_fn(|_: LambdaInvocation| async { Err::<(), _>("the handler failed before reading") });
    let layered = EventBodyLayer::new(bodies.clone()).layer(inner);
    let result = layered.oneshot(invocation("req-2", Bytes::from_static(b"{}"))).await;
    assert!(result.is_err());
    assert!(bodies.take("req-2").is_none());
}

#[tokio::test]
async fn bodies_are_kept_apart_by_request_id() {
    let bodies = EventBodies::default();
    bodies.put("a", Bytes::from_static(b"first"));
    bodies.put("b", Bytes::from_static(b"second"));
    assert_eq!(bodies.take("b").as_deref(), Some(&b"second"[..]));
    assert_eq!(bodies.take("a").as_deref(), Some(&b"first"[..]));
}
