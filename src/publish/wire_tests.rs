//! Requests signed by score-fanout's own transport, checked by a moto server that verifies SigV4 signatures
//! (`INITIAL_NO_AUTH_ACTION_COUNT`): an IAM user's key is accepted by EventBridge and SNS, a wrong secret refused.

use crate::publish::wire::{self, Service, Transport};
use crate::publish::{eventbridge, sns, Delivery, EventBridgeSink, FanOut, Invocation, Publish, RetryBudget, SnsSink};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use score_fanout_events::{DomainEvent, EventMeta, PlayerAdded};
use std::sync::Arc;
use std::time::Duration;

/// The calls moto serves before it starts checking signatures: the user, its key, its policy and the topic.
const SETUP_CALLS: &str = "4";

fn sdk(endpoint: &str, key: &str, secret: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(key, secret, None, None, "test")))
        .build()
}

/// One query-protocol call during setup (not checked yet); the answer's text.
async fn query(transport: &Transport, endpoint: &str, signing_name: &'static str, form: &[(&str, &str)]) -> String {
    let service = Service { url: endpoint.to_owned(), signing_name };
    let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish().into_bytes();
    let headers = [("content-type", "application/x-www-form-urlencoded")];
    let answer = wire::post(transport, &service, &headers, body, Duration::from_secs(5)).await.expect("setup call");
    let text = String::from_utf8_lossy(&answer.body).into_owned();
    assert!(answer.is_success(), "{form:?}: {text}");
    text
}

fn element<'a>(xml: &'a str, name: &str) -> &'a str {
    let start = xml.find(&format!("<{name}>")).map(|i| i + name.len() + 2).expect(name);
    &xml[start..start + xml[start..].find('<').expect("closing tag")]
}

/// Both sinks at `endpoint`, signing with `sdk`'s credentials.
fn sinks(sdk: &SdkConfig, endpoint: &str, topic_arn: &str) -> FanOut {
    let transport = Arc::new(Transport::new("us-east-1", sdk.credentials_provider()));
    let service = |signing_name| Service { url: endpoint.to_owned(), signing_name };
    let eventbridge =
        EventBridgeSink::new(transport.clone(), service(eventbridge::SIGNING_NAME), "default", "game.scores");
    let sns = SnsSink::new(transport, service(sns::SIGNING_NAME), topic_arn, false);
    FanOut::new(Some(eventbridge), Some(sns), 8)
}

fn events() -> Vec<DomainEvent> {
    (0..3)
        .map(|i| {
            DomainEvent::PlayerAdded(PlayerAdded {
                meta: EventMeta {
                    event_id: format!("signed{i}"),
                    occurred_at: "2026-11-30T20:00:00Z".into(),
                    schema_version: "1".into(),
                },
                player_id: format!("player {i} & co"),
                date: "Aug 23".into(),
                score: i,
            })
        })
        .collect()
}

#[tokio::test]
async fn a_signature_checking_server_accepts_our_requests_and_refuses_a_wrong_secret() {
    let endpoint = score_fanout_testkit::moto::start_moto_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", SETUP_CALLS)]);
    let anonymous = sdk(&endpoint, "test", "test");
    let setup = Transport::new("us-east-1", anonymous.credentials_provider());
    let iam = |form: &'static [(&'static str, &'static str)]| query(&setup, &endpoint, "iam", form);
    iam(&[("Action", "CreateUser"), ("Version", "2010-05-08"), ("UserName", "publisher")]).await;
    let key = iam(&[("Action", "CreateAccessKey"), ("Version", "2010-05-08"), ("UserName", "publisher")]).await;
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let form = [
        ("Action", "PutUserPolicy"),
        ("Version", "2010-05-08"),
        ("UserName", "publisher"),
        ("PolicyName", "publish"),
        ("PolicyDocument", policy),
    ];
    query(&setup, &endpoint, "iam", &form).await;
    let topic =
        query(&setup, &endpoint, "sns", &[("Action", "CreateTopic"), ("Version", "2010-03-31"), ("Name", "signed")])
            .await;
    let topic = element(&topic, "TopicArn").to_owned();
    let (key_id, secret) = (element(&key, "AccessKeyId"), element(&key, "SecretAccessKey"));

    let signed = sinks(&sdk(&endpoint, key_id, secret), &endpoint, &topic);
    let published = signed.publish(&events(), &Invocation::new(RetryBudget::new(Duration::from_secs(30)))).await;
    assert!(published.deliveries.iter().all(|d| matches!(d, Delivery::Delivered)), "{:?}", published.deliveries);

    let forged = sinks(&sdk(&endpoint, key_id, "not-the-secret"), &endpoint, &topic);
    let refused = forged.publish(&events()[..1], &Invocation::new(RetryBudget::new(Duration::from_secs(2)))).await;
    let errors = refused.deliveries[0].errors();
    assert_eq!(errors.len(), 2, "{errors:?}");
    for error in errors {
        assert!(error.to_string().contains("SignatureDoesNotMatch"), "{error}");
    }
}
