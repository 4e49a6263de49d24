//! The command line of `run` and `lambda`, and the three functions as both run them.

use crate::stub::Latency;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

pub struct Options {
    pub ours: String,
    /// A hello-world `lambda_runtime` function built as ours is: the floor of init.
    pub hello: String,
    pub python: String,
    pub events: PathBuf,
    pub rounds: usize,
    /// For profiling: only the functions whose name contains this, only these sizes, this many warm invokes,
    /// and score-fanout started under this command (`perf record -g --`).
    pub only: Option<String>,
    pub sizes: Option<Vec<usize>>,
    pub warm: Option<usize>,
    pub wrap: Vec<String>,
    /// A command attached to score-fanout for its warm invocations (`{pid}`: its pid), e.g. `perf record -p {pid}`.
    pub attach: Vec<String>,
    /// Extra environment for score-fanout (`--env KEY=VALUE`, repeatable).
    pub env: Vec<(String, String)>,
    /// Lambda mode: the MemorySizes (MB), the sinks' latency, score-fanout's `MAX_REQUESTS_IN_FLIGHT`, the chart.
    pub memory: Vec<u64>,
    pub latency: Latency,
    pub max_in_flight: usize,
    pub svg: Option<PathBuf>,
}

pub fn parse(args: &[String]) -> io::Result<Options> {
    let mut options = Options {
        ours: "target/release/score-fanout".into(),
        hello: "target/release/score-fanout-hello".into(),
        python: ".venv/bin/python".into(),
        events: "bench/events".into(),
        rounds: 3,
        only: None,
        sizes: None,
        warm: None,
        wrap: Vec::new(),
        attach: Vec::new(),
        env: Vec::new(),
        memory: vec![128, 256, 512, 1024, 1769],
        latency: Latency { median: Duration::from_millis(20), p99_ratio: 4.0 },
        max_in_flight: 8,
        svg: None,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| io::Error::other(format!("{flag} needs a value")))?.clone();
        let number = |what: &str| value.parse::<f64>().map_err(|_| io::Error::other(format!("{what}: a number")));
        match flag.as_str() {
            "--ours" => options.ours = value,
            "--hello" => options.hello = value,
            "--python" => options.python = value,
            "--events" => options.events = value.into(),
            "--rounds" => options.rounds = number("--rounds")? as usize,
            "--only" => options.only = Some(value),
            "--sizes" => options.sizes = Some(value.split(',').filter_map(|n| n.parse().ok()).collect()),
            "--warm" => options.warm = value.parse().ok(),
            "--env" => {
                let (key, value) = value.split_once('=').ok_or_else(|| io::Error::other("--env KEY=VALUE"))?;
                options.env.push((key.to_owned(), value.to_owned()));
            }
            "--wrap" => options.wrap = value.split_whitespace().map(str::to_owned).collect(),
            "--attach" => options.attach = value.split_whitespace().map(str::to_owned).collect(),
            "--memory" => options.memory = value.split(',').filter_map(|n| n.parse().ok()).collect(),
            "--latency-ms" => options.latency.median = Duration::from_secs_f64(number("--latency-ms")? / 1e3),
            "--p99-ratio" => options.latency.p99_ratio = number("--p99-ratio")?.max(1.0),
            "--max-in-flight" => options.max_in_flight = number("--max-in-flight")? as usize,
            "--svg" => options.svg = Some(value.into()),
            other => return Err(io::Error::other(format!("unknown option {other}"))),
        }
    }
    Ok(options)
}

/// The hello-world `lambda_runtime` function's name: it runs for init only (the 1-record rows).
pub const HELLO: &str = "rust hello-world";

/// The functions, configured as the template configures ours: both sinks and a dead-letter queue.
pub fn functions(options: &Options, endpoint: &str) -> Vec<crate::session::Function> {
    use crate::session::Function;
    let common = |extra: &[(&str, &str)]| -> Vec<(String, String)> {
        let mut env = vec![
            ("AWS_ENDPOINT_URL", endpoint),
            ("EVENT_BUS_NAME", "score-events"),
            ("TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:score-events"),
        ];
        env.extend_from_slice(extra);
        env.into_iter().map(|(key, value)| (key.to_owned(), value.to_owned())).collect()
    };
    let queue = format!("{endpoint}/123456789012/score-fanout-poison");
    let python = |handler: &str| vec![options.python.clone(), "bench/python/runtime_loop.py".into(), handler.into()];
    let function =
        |name, command, env| Function { name, command, env, wrapped: false, attach: Vec::new(), memory_mb: None };
    let in_flight = options.max_in_flight.to_string();
    vec![
        Function {
            wrapped: !options.wrap.is_empty(),
            attach: options.attach.clone(),
            ..function(
                "score-fanout",
                options.wrap.iter().cloned().chain([options.ours.clone()]).collect(),
                common(&[
                    ("DEAD_LETTER_QUEUE_URL", &queue),
                    ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
                    ("AWS_LAMBDA_LOG_LEVEL", "INFO"),
                    ("MAX_REQUESTS_IN_FLIGHT", &in_flight),
                ])
                .into_iter()
                .filter(|(key, _)| !options.env.iter().any(|(k, _)| k == key))
                .chain(options.env.iter().cloned())
                .collect(),
            )
        },
        function("python print-only", python("print_only.handler"), common(&[])),
        function("python boto3", python("publish_boto3.handler"), common(&[])),
        function(HELLO, vec![options.hello.clone()], Vec::new()),
    ]
}
