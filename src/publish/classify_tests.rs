//! The three classes, by documented code, and what a whole request's error does.

use super::*;

#[test]
fn per_entry_validation_errors_are_poison_and_only_they() {
    for code in ["InvalidArgument", "MalformedDetail", "InvalidParameter", "ParameterValueInvalid"] {
        assert_eq!(entry_code(code), Class::Poison, "{code}");
    }
    for code in [
        "AccessDeniedException",
        "NotAuthorizedForSourceException",
        "InvalidAccountIdException",
        "AuthorizationError",
        "KMSDisabled",
        "KMSAccessDenied",
        "ExpiredToken",
        "ExpiredTokenException",
    ] {
        assert_eq!(entry_code(code), Class::Outage, "{code}");
    }
    for code in
        ["ThrottlingException", "Throttling", "InternalFailure", "InternalError", "KMSThrottling", "SomethingNew"]
    {
        assert_eq!(entry_code(code), Class::Transient, "{code}");
    }
}

#[test]
fn a_whole_request_error_is_throttling_outage_isolation_poison_or_a_hold() {
    assert_eq!(request_answer(400, "ThrottlingException", "", 10), RequestFate::All(Class::Transient));
    assert_eq!(request_answer(400, "Throttling", "", 1), RequestFate::All(Class::Transient));
    assert_eq!(request_answer(503, "ServiceUnavailable", "", 10), RequestFate::All(Class::Transient));
    assert_eq!(request_answer(403, "AuthorizationError", "", 10), RequestFate::All(Class::Outage));
    assert_eq!(request_answer(400, "KMSInvalidState", "", 1), RequestFate::All(Class::Outage));
    assert_eq!(request_answer(403, "ExpiredTokenException", "", 3), RequestFate::All(Class::Outage));
    // One bad entry in ten: the ten are sent again one by one.
    assert_eq!(request_answer(400, "InvalidParameter", "", 10), RequestFate::Isolate);
    assert_eq!(request_answer(413, "", "", 10), RequestFate::Isolate);
    assert_eq!(request_answer(400, "SomethingNew", "", 10), RequestFate::Isolate);
    // Alone, a validation error or a 413 is the entry's own; any other 4xx holds the shard.
    assert_eq!(request_answer(400, "ParameterValueInvalid", "", 1), RequestFate::All(Class::Poison));
    assert_eq!(request_answer(413, "HTTP413", "", 1), RequestFate::All(Class::Poison));
    assert_eq!(request_answer(400, "SomethingNew", "", 1), RequestFate::All(Class::Transient));
    assert_eq!(request_answer(404, "NotFound", "", 10), RequestFate::All(Class::Outage));
    assert_eq!(request_answer(409, "Conflict", "", 10), RequestFate::All(Class::Transient));
}

#[test]
fn an_invalid_parameter_naming_the_topic_arn_is_the_stacks_fault_never_the_entries() {
    // SNS's answer for a topic of another region: alone or in a batch, every entry would get it.
    for entries in [1, 10] {
        let fate = request_answer(400, "InvalidParameter", "Invalid parameter: TopicArn", entries);
        assert_eq!(fate, RequestFate::All(Class::Outage), "{entries} entries");
    }
    assert_eq!(
        request_answer(400, "InvalidParameter", "Invalid parameter: Message", 1),
        RequestFate::All(Class::Poison)
    );
}
