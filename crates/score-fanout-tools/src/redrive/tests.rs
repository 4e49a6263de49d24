//! A redrive never acts on what DRY_RUN kept it from sending.

use super::*;

#[test]
fn dry_run_in_the_environment_makes_every_redrive_a_dry_run_and_says_so() {
    assert!(dry_run(false, true).0);
    assert!(dry_run(false, true).1.is_some_and(|why| why.contains("running as --dry-run")));
    assert_eq!(dry_run(true, true), (true, None));
    assert_eq!(dry_run(true, false), (true, None));
    assert_eq!(dry_run(false, false), (false, None));
}
