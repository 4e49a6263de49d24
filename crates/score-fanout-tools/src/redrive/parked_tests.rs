//! A parked event goes to the sinks that refused it, and to no other.

use super::*;

fn both() -> Sinks {
    Sinks::from_iter(Sink::ALL)
}

#[test]
fn a_message_without_refused_by_goes_to_every_sink() {
    assert_eq!(sinks_for(&[], both()), Ok(both()));
}

#[test]
fn a_message_refused_by_one_sink_goes_to_that_sink_only() {
    assert_eq!(sinks_for(&["TOPIC_ARN".into()], both()), Ok(Sinks::from_iter([Sink::Topic])));
}

#[test]
fn a_message_refused_by_a_sink_the_function_no_longer_has_is_kept() {
    let bus_only = Sinks::from_iter([Sink::Bus]);
    assert!(sinks_for(&["TOPIC_ARN".into()], bus_only).is_err_and(|why| why.contains("no longer has")));
    assert!(sinks_for(&["QUEUE".into()], both()).is_err_and(|why| why.contains("no sink's variable")));
}
