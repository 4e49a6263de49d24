//! `score-fanout-custom-bus [--port PORT] [--region REGION] [--account ACCOUNT] [--seed N] [--bus NAME[/ID]]...
//! [--creating NAME]... [--retention NAME=DAYS]... [--publisher ACCESS_KEY_ID=ACCOUNT]... [--fifo BUS=QUEUE_URL]...
//! [--sqs-endpoint URL] [--throttle PROBABILITY] [--fail-entries PROBABILITY]`: the Custom Event Bus stand-in
//! (`score_fanout_testkit::custom_bus`) as a process of its own, for the offline stack and the demo.
//!
//! Once it serves, it prints shell assignments and flushes them: `AWS_ENDPOINT_URL_EVENTBRIDGEV2=http://...`,
//! `EVENT_BUS_NAME=<the first bus's ARN>`, and `BUS_ARN_<NAME>=<ARN>` for each bus (the name upper-cased, other
//! than letters and digits as `_`). The same seed (0 by default) mints the same bus ids, so the ARNs are known
//! before it starts. `GET /stand-in/stats` answers its counters as JSON. It serves until it is killed.
//! FIFO subscribers send to SQS at `--sqs-endpoint`, else `AWS_ENDPOINT_URL_SQS`, else `AWS_ENDPOINT_URL`: a
//! server on 127.0.0.1 (moto), never anything else. `--throttle` answers that share of PutEvents calls 429;
//! `--fail-entries` fails that share of entries alone with `ThrottlingException`.

use score_fanout_testkit::custom_bus::{BusSpec, BusState, CustomBusConfig};
use score_fanout_testkit::moto;
use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "usage: score-fanout-custom-bus [--port PORT] [--region REGION] [--account ACCOUNT] [--seed N] \
                     [--bus NAME[/ID]]... [--creating NAME]... [--retention NAME=DAYS]... \
                     [--publisher ACCESS_KEY_ID=ACCOUNT]... [--fifo BUS=QUEUE_URL]... [--sqs-endpoint URL] \
                     [--throttle PROBABILITY] [--fail-entries PROBABILITY]";

/// What the command line asks for besides the configuration itself.
#[derive(Default)]
struct Options {
    fifo: Vec<(String, String)>,
    sqs_endpoint: Option<String>,
    throttle: f64,
    fail_entries: f64,
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&format!("starting the runtime: {error}")),
    };
    match runtime.block_on(run(std::env::args().skip(1).collect())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

fn fail(error: &str) -> ExitCode {
    eprintln!("score-fanout-custom-bus: {error}\n{USAGE}");
    ExitCode::from(2)
}

async fn run(args: Vec<String>) -> Result<(), String> {
    let (mut config, options, names) = parse(args)?;
    if !options.fifo.is_empty() {
        let endpoint = options
            .sqs_endpoint
            .or_else(|| std::env::var("AWS_ENDPOINT_URL_SQS").ok())
            .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
            .ok_or("--fifo needs --sqs-endpoint (or AWS_ENDPOINT_URL_SQS)")?;
        if !endpoint.starts_with("http://127.0.0.1:") {
            return Err(format!("the SQS endpoint {endpoint} is not on 127.0.0.1"));
        }
        let sdk = moto::sdk_at(aws_config::defaults(aws_config::BehaviorVersion::latest()), &endpoint).await;
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        for (bus, queue_url) in &options.fifo {
            config = config.fifo_subscriber(bus, queue_url, sqs.clone());
        }
    }
    let bus = config.start().await.map_err(|e| e.to_string())?;
    bus.faults().throttle_randomly(options.throttle);
    bus.faults().fail_entries_randomly(options.fail_entries, "ThrottlingException");
    let mut out = format!("AWS_ENDPOINT_URL_EVENTBRIDGEV2={}\n", bus.endpoint);
    for (index, name) in names.iter().enumerate() {
        let arn = bus.arn(name).unwrap_or_default();
        if index == 0 {
            out.push_str(&format!("EVENT_BUS_NAME={arn}\n"));
        }
        let variable: String =
            name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
        out.push_str(&format!("BUS_ARN_{variable}={arn}\n"));
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()).map_err(|e| format!("stdout: {e}"))?;
    drop(stdout);
    std::future::pending::<()>().await;
    Ok(())
}

/// The configuration, the other options, and the bus names in the order given.
fn parse(args: Vec<String>) -> Result<(CustomBusConfig, Options, Vec<String>), String> {
    let mut config = CustomBusConfig::new();
    let mut options = Options::default();
    let mut buses: Vec<BusSpec> = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let value = args.next().ok_or(format!("{arg} takes a value"))?;
        let pair = || value.split_once('=').ok_or(format!("{arg} {value}: expected KEY=VALUE"));
        let number = |what: &str| value.parse::<f64>().map_err(|e| format!("{arg} {value}: {what}: {e}"));
        match arg.as_str() {
            "--port" => config = config.port(value.parse().map_err(|e| format!("--port {value}: {e}"))?),
            "--region" => config = config.region(&value),
            "--account" => config = config.account(&value),
            "--seed" => config = config.seed(value.parse().map_err(|e| format!("--seed {value}: {e}"))?),
            "--bus" => {
                let (name, id) = value.split_once('/').map_or((value.as_str(), None), |(n, i)| (n, Some(i.into())));
                buses.push(BusSpec { name: name.into(), id, state: BusState::Active, retention_days: 1 });
            }
            "--creating" => named(&mut buses, &value)?.state = BusState::Creating,
            "--retention" => {
                let (name, days) = pair()?;
                named(&mut buses, name)?.retention_days = days.parse().map_err(|e| format!("{arg} {value}: {e}"))?;
            }
            "--publisher" => config = pair().map(|(key, account)| config.publisher(key, account))?,
            "--fifo" => options.fifo.push(pair().map(|(bus, url)| (bus.to_owned(), url.to_owned()))?),
            "--sqs-endpoint" => options.sqs_endpoint = Some(value),
            "--throttle" => options.throttle = number("a probability")?,
            "--fail-entries" => options.fail_entries = number("a probability")?,
            _ => return Err(format!("unknown option {arg}")),
        }
    }
    if buses.is_empty() {
        return Err("no --bus".into());
    }
    let names = buses.iter().map(|bus| bus.name.clone()).collect();
    Ok((buses.into_iter().fold(config, CustomBusConfig::bus_spec), options, names))
}

/// The bus `name` given earlier by `--bus`.
fn named<'a>(buses: &'a mut [BusSpec], name: &str) -> Result<&'a mut BusSpec, String> {
    buses.iter_mut().find(|bus| bus.name == name).ok_or(format!("{name}: no --bus {name} before it"))
}
