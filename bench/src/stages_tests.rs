use super::{table, Shape};

const FOLDED: &str = "\
main;score_fanout::handler::batch::Batch::decode;serde_dynamo::de::from_item 3000000
main;score_fanout::handler::batch::Batch::decode;score_fanout::handler::demo_lines::log_change;tracing_core::event::Event::dispatch 1000000
main;score_fanout::publish::wire::post;score_fanout::publish::wire::signed;sha2::sha256::compress256 2000000
main;tokio::runtime::task::raw::poll;poll<aws_smithy_http_client::client::connect::Conn>;__write_[k];tcp_sendmsg_[k] 2500000
main;tokio::runtime::park;epoll_wait_[k] 1500000
";

fn one_invocation() -> Shape {
    Shape { invocations: 1.0, records: 1_000.0, requests: 100.0 }
}

/// The row of the stage whose name starts with `stage`.
fn row<'a>(table: &'a str, stage: &str) -> &'a str {
    table.lines().find(|line| line.starts_with(&format!("| {stage}"))).unwrap_or_else(|| panic!("{stage} in {table}"))
}

#[test]
fn a_records_log_line_counts_as_logging_though_it_is_written_while_decoding() {
    let table = table(FOLDED, &one_invocation());
    assert!(
        row(&table, "logging").starts_with("| logging (the demo's line per record, the batch line) | 1.00 | 0.00 |")
    );
    assert!(row(&table, "decode").contains("| 3.00 | 0.00 |"), "{table}");
}

#[test]
fn kernel_samples_go_to_the_stage_that_made_the_system_call() {
    let table = table(FOLDED, &one_invocation());
    assert!(row(&table, "HTTP").contains("| 0.00 | 2.50 | 2.50 | 25.0 |"), "{table}");
    assert!(row(&table, "runtime").contains("| 0.00 | 1.50 |"), "{table}");
    assert!(row(&table, "signing").contains("| 2.00 | 0.00 | 2.00 | 20.0 |"), "{table}");
    assert!(row(&table, "**all**").starts_with("| **all** | **6.00** | **4.00** |"), "{table}");
}

#[test]
fn a_frame_is_matched_by_its_name_not_by_the_types_in_its_generic_arguments() {
    let folded = "main;poll<score_fanout::handler::batch::Batch, aws_lambda_events::X>;catch_unwind<tracing::Span>;memcpy 1000000\n";
    let table = table(folded, &one_invocation());
    assert!(row(&table, "other").contains("| 1.00 | 0.00 |"), "{table}");
    assert_eq!(
        super::bare("<score_fanout::publish::FanOut as score_fanout::publish::Publish>::publish::{{closure}}"),
        "<score_fanout::publish::FanOut as score_fanout::publish::Publish>::publish::{{closure}}"
    );
    assert_eq!(super::bare("poll<hyper::X<aws_smithy::Y>>"), "poll");
}
