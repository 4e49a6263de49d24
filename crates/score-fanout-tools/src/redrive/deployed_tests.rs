//! Where a deployed function keeps its skipped batches, and what its stack's outputs say beside its environment.

use super::*;

fn deployed(mapping_bucket: Option<&str>, stack_bucket: Option<&str>) -> Deployed {
    let mapping = StreamMapping {
        uuid: "2142ac4c-7a12-4d4c-af67-6c106f586998".into(),
        stream_arn: "arn:aws:dynamodb:eu-west-1:123456789012:table/GameEvents/stream/2026-12-01T00:00:00.000".into(),
        bucket: mapping_bucket.map(str::to_owned),
    };
    Deployed {
        function_name: "score-fanout-ScoreFanoutFunction-abc".into(),
        mapping: Some(mapping),
        stack_bucket: stack_bucket.map(str::to_owned),
        ..Deployed::default()
    }
}

#[test]
fn the_bucket_is_the_mappings_destination_and_a_different_flag_is_refused() {
    assert_eq!(bucket_of_arn("arn:aws:s3:::stream-failures"), Some("stream-failures"));
    assert_eq!(bucket_of_arn("arn:aws:sqs:eu-west-1:123456789012:q"), None);
    let on_aws = deployed(Some("stream-failures"), Some("stream-failures"));
    assert_eq!(on_aws.bucket(None), Ok("stream-failures".into()));
    assert_eq!(on_aws.bucket(Some("stream-failures")), Ok("stream-failures".into()));
    assert!(on_aws.bucket(Some("another")).is_err_and(|why| why.contains("leave --bucket out")));
}

#[test]
fn without_a_mapping_the_bucket_comes_from_the_stack_or_the_flag() {
    let offline = Deployed { mapping: None, ..deployed(None, None) };
    assert_eq!(offline.bucket(Some("local-bucket")), Ok("local-bucket".into()));
    assert!(offline.bucket(None).is_err_and(|why| why.contains("give --bucket")));
    let stack = Deployed { mapping: None, ..deployed(None, Some("from-outputs")) };
    assert_eq!(stack.bucket(None), Ok("from-outputs".into()));
}

#[test]
fn a_stack_output_that_differs_from_the_functions_variable_is_told() {
    let outputs = BTreeMap::from([
        ("ScoreEventsBusName".to_owned(), "ScoreEventsBus".to_owned()),
        ("ScoreEventsSource".to_owned(), "game.scores".to_owned()),
    ]);
    let environment = BTreeMap::from([
        ("EVENT_BUS_NAME".to_owned(), "ScoreEventsBus".to_owned()),
        ("EVENT_SOURCE".to_owned(), "game.scores.v2".to_owned()),
    ]);
    let notes = differences(&outputs, &environment);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("ScoreEventsSource is game.scores, the function's EVENT_SOURCE game.scores.v2"));
}

#[test]
fn a_function_on_the_custom_event_bus_matches_the_ordered_bus_output_and_is_not_told_otherwise() {
    let ordered = "arn:aws:events:us-east-1:123456789012:event-busv2/scores/a1b2c3d4e5f6g7h8i9j0k1l2m";
    let outputs = BTreeMap::from([
        ("ScoreEventsBusName".to_owned(), "ScoreEventsBus".to_owned()),
        ("OrderedScoreEventsBusArn".to_owned(), ordered.to_owned()),
    ]);
    let environment = BTreeMap::from([("EVENT_BUS_NAME".to_owned(), ordered.to_owned())]);
    assert_eq!(differences(&outputs, &environment), Vec::<String>::new());
}
