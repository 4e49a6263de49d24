//! The window grows on quick answers up to its maximum and halves on congestion.

use super::*;

const MS: Duration = Duration::from_millis(1);

#[test]
fn quick_answers_grow_the_window_one_request_per_window_up_to_the_maximum() {
    let window = Window::new(8);
    assert_eq!(window.size(), 2);
    for _ in 0..3 {
        window.observe(Signal::Answered { took: 20 * MS });
    }
    assert_eq!(window.size(), 3, "about a window's worth of quick answers: one more");
    for _ in 0..200 {
        window.observe(Signal::Answered { took: 20 * MS });
    }
    assert_eq!(window.size(), 8, "never past the maximum");
}

#[test]
fn throttling_or_a_slowdown_halves_the_window_but_never_below_one() {
    let window = Window::new(8);
    for _ in 0..200 {
        window.observe(Signal::Answered { took: 20 * MS });
    }
    window.observe(Signal::Congested);
    assert_eq!(window.size(), 4);
    window.observe(Signal::Answered { took: 2000 * MS });
    assert_eq!(window.size(), 2, "an answer a hundred times slower than the fastest");
    for _ in 0..10 {
        window.observe(Signal::Congested);
    }
    assert_eq!(window.size(), 1);
}

#[test]
fn a_maximum_of_one_is_one_request_at_a_time() {
    let window = Window::new(1);
    for _ in 0..50 {
        window.observe(Signal::Answered { took: MS });
    }
    assert_eq!(window.size(), 1);
}
