//! Our SigV4 headers against aws-sigv4's `sign`, for the same request at the same instant.

use super::*;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use proptest::prelude::*;
use std::time::{Duration, UNIX_EPOCH};

/// What aws-sigv4 signs the same request with.
fn by_crate(
    region: &str,
    credentials: &Credentials,
    url: &str,
    time: SystemTime,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<(String, String)> {
    let identity: Identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sns")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .expect("params")
        .into();
    let signable =
        SignableRequest::new("POST", url, headers.iter().copied(), SignableBody::Bytes(body)).expect("request");
    let (instructions, _) = sign(signable, &params).expect("signed").into_parts();
    instructions.headers().map(|(name, value)| (name.to_owned(), value.to_owned())).collect()
}

fn ours(
    region: &str,
    signer: &Signer,
    credentials: &Credentials,
    url: &str,
    time: SystemTime,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<(String, String)> {
    let host = root_host(url).expect("an endpoint at its root");
    let target = Target { region, service: "sns", host };
    let signed = signer.sign(credentials, &target, time, headers, body);
    signed.into_iter().map(|(name, value)| (name.to_owned(), value)).collect()
}

#[test]
fn endpoints_at_their_root_are_ours_and_the_rest_aws_sigv4s() {
    assert_eq!(root_host("https://sns.eu-west-1.amazonaws.com"), Some("sns.eu-west-1.amazonaws.com"));
    assert_eq!(root_host("https://sns.eu-west-1.amazonaws.com/"), Some("sns.eu-west-1.amazonaws.com"));
    assert_eq!(root_host("https://sns.eu-west-1.amazonaws.com:443"), Some("sns.eu-west-1.amazonaws.com"));
    assert_eq!(root_host("http://127.0.0.1:4566"), Some("127.0.0.1:4566"));
    assert_eq!(root_host("http://localhost:80/"), Some("localhost"));
    for other in
        ["https://host/path", "https://host?x=1", "https://user@host", "http://[::1]:4566", "ftp://host", "host"]
    {
        assert_eq!(root_host(other), None, "{other}");
    }
}

#[test]
fn a_key_kept_from_an_earlier_day_or_secret_is_not_used() {
    let signer = Signer::default();
    let url = "https://sns.eu-west-1.amazonaws.com";
    let headers = [("content-type", "application/x-www-form-urlencoded")];
    let day = UNIX_EPOCH + Duration::from_secs(1_795_510_800);
    for (secret, time) in
        [("one", day), ("one", day + Duration::from_secs(86_400)), ("two", day + Duration::from_secs(86_400))]
    {
        let credentials = Credentials::new("AKIDEXAMPLE", secret, None, None, "test");
        assert_eq!(
            ours("eu-west-1", &signer, &credentials, url, time, &headers, b"x"),
            by_crate("eu-west-1", &credentials, url, time, &headers, b"x")
        );
    }
}

#[test]
fn a_key_kept_for_one_region_is_not_used_for_another() {
    let signer = Signer::default();
    let url = "https://sns.amazonaws.example";
    let headers = [("content-type", "application/x-www-form-urlencoded")];
    let time = UNIX_EPOCH + Duration::from_secs(1_795_510_800);
    let credentials = Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");
    for region in ["eu-west-1", "us-east-1", "eu-west-1"] {
        assert_eq!(
            ours(region, &signer, &credentials, url, time, &headers, b"x"),
            by_crate(region, &credentials, url, time, &headers, b"x")
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn every_header_is_what_aws_sigv4_signs_with(
        url in prop_oneof![
            Just("https://sns.eu-west-1.amazonaws.com"),
            Just("http://127.0.0.1:4566/"),
            Just("https://h:443"),
        ],
        seconds in 1_600_000_000u64..2_000_000_000,
        token in proptest::option::of("[A-Za-z0-9/+=]{1,40}"),
        trace in proptest::option::of("Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=1"),
        target in proptest::option::of(Just("AWSEvents.PutEvents")),
        content_type in "[ a-z/.-]{1,30}[a-z]",
        body in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        let credentials = Credentials::new("AKIDEXAMPLE", secret, token, None, "test");
        let mut headers = vec![("content-type", content_type.as_str())];
        headers.extend(target.map(|target| ("x-amz-target", target)));
        headers.extend(trace.as_deref().map(|trace| ("x-amzn-trace-id", trace)));
        let time = UNIX_EPOCH + Duration::from_secs(seconds);
        let signer = Signer::default();
        // Twice: the first derives the key, the second uses the kept one.
        for _ in 0..2 {
            let expected = by_crate("eu-west-1", &credentials, url, time, &headers, &body);
            prop_assert_eq!(ours("eu-west-1", &signer, &credentials, url, time, &headers, &body), expected);
        }
    }
}
