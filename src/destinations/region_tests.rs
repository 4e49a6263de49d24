//! Regions read from names, and no false alarm for a name that carries none.

use super::*;

#[test]
fn an_arn_names_its_region() {
    assert_eq!(of_arn("arn:aws:sns:eu-west-1:123456789012:scores"), Some("eu-west-1"));
    assert_eq!(of_arn("arn:aws:events:us-east-1:123456789012:event-bus/score-events"), Some("us-east-1"));
    assert_eq!(of_arn("score-events"), None, "a bus name");
    assert_eq!(of_arn("arn:aws:events::123456789012:event-bus/x"), None);
}

#[test]
fn a_queue_urls_aws_host_names_its_region_in_every_form() {
    for (url, region) in [
        ("https://sqs.eu-west-1.amazonaws.com/123456789012/poison", "eu-west-1"),
        ("https://sqs-fips.us-gov-west-1.amazonaws.com/123456789012/poison", "us-gov-west-1"),
        ("https://sqs.cn-north-1.amazonaws.com.cn/123456789012/poison", "cn-north-1"),
        ("https://sqs.ap-southeast-2.api.aws/123456789012/poison", "ap-southeast-2"),
        ("https://eu-central-1.queue.amazonaws.com/123456789012/poison", "eu-central-1"),
        ("https://vpce-0a1b2c3d-4e5f.sqs.us-west-2.vpce.amazonaws.com/123456789012/poison", "us-west-2"),
        ("https://queue.amazonaws.com/123456789012/poison", "us-east-1"),
    ] {
        assert_eq!(of_queue_url(url).as_deref(), Some(region), "{url}");
    }
}

#[test]
fn a_queue_on_a_local_server_names_no_region() {
    for url in [
        "http://127.0.0.1:5000/123456789012/poison",
        "http://localhost:4566/000000000000/poison",
        "https://queues.example.com/poison",
    ] {
        assert_eq!(of_queue_url(url), None, "{url}");
    }
}
