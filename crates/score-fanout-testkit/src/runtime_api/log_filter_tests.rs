//! Lambda's filter as documented: levels only with a valid timestamp, everything else INFO.

use super::*;

const AT: &str = "2026-12-03T15:16:05.123Z";

fn line(level: &str, timestamp: &str) -> String {
    format!(r#"{{"timestamp":"{timestamp}","level":"{level}","message":"m"}}"#)
}

#[test]
fn a_line_counts_at_its_level_only_with_a_valid_timestamp() {
    assert_eq!(level_of(&line("ERROR", AT)), Level::Error);
    assert_eq!(level_of(&line("warn", AT)), Level::Warn, "any case");
    assert_eq!(level_of(&line("ERROR", "yesterday")), Level::Info);
    assert_eq!(level_of(r#"{"level":"ERROR","message":"no timestamp"}"#), Level::Info);
    assert_eq!(level_of(r#"{"timestamp":"2026-12-03T15:16:05Z","message":"no level"}"#), Level::Info);
    assert_eq!(level_of(&line("SEVERE", AT)), Level::Info, "a level Lambda does not know");
    assert_eq!(level_of(r#"{"_aws":{"Timestamp":1}}"#), Level::Info, "an EMF document alone");
    assert_eq!(level_of(" ERROR poison record"), Level::Info, "text");
}

#[test]
fn lambda_forwards_at_and_above_the_threshold_and_filters_only_json() {
    let warn = Logging { json: true, level: Level::Warn };
    assert!(warn.forwards(&line("WARN", AT)) && warn.forwards(&line("ERROR", AT)));
    assert!(!warn.forwards(&line("INFO", AT)) && !warn.forwards("plain text"));
    let fatal = Logging { json: true, level: Level::Fatal };
    assert!(fatal.forwards(&line("FATAL", AT)) && !fatal.forwards(&line("ERROR", AT)));
    assert!(Logging { json: false, level: Level::Fatal }.forwards("anything at all"));
}

#[test]
fn rfc3339_date_times_are_told_from_others() {
    for valid in [AT, "2026-12-03T15:16:05Z", "2026-12-03t15:16:05.5+01:00", "2026-12-03 15:16:05-08:00"] {
        assert!(is_rfc3339(valid), "{valid}");
    }
    for invalid in
        ["", "2026-12-03", "2026-13-03T15:16:05Z", "2026-12-03T15:16:05", "2026-12-03T15:16:05.Z", "1796311565"]
    {
        assert!(!is_rfc3339(invalid), "{invalid}");
    }
}
