//! An init failure as Lambda shows it: the readable message posted to the Runtime API's `init/error` with an
//! `errorType` (the console and the `Invoke` caller see that, not an exit status), the same message as the log's
//! last line, then the process ends, as the Runtime API asks.

use crate::config::{json_logs_requested, ConfigError};
use crate::destinations::DestinationError;
use crate::logging::write_timestamp;
use crate::sdk::EndpointError;
use crate::stdout::flush_log;
use lambda_runtime_api_client::body::Body;
use lambda_runtime_api_client::{build_request, PooledClient};
use std::error::Error;
use std::io::Write;
use std::time::SystemTime;

/// An error that ends init, with the `errorType` Lambda reports for it.
pub trait InitFailure: Error {
    /// The `errorType` Lambda shows.
    fn error_type(&self) -> &'static str;
}

impl InitFailure for ConfigError {
    fn error_type(&self) -> &'static str {
        "ConfigError"
    }
}

impl InitFailure for DestinationError {
    fn error_type(&self) -> &'static str {
        "DestinationError"
    }
}

impl InitFailure for EndpointError {
    fn error_type(&self) -> &'static str {
        "EndpointError"
    }
}

/// The value of `result`; or the error reported as Lambda shows an init failure, and the process ended.
pub async fn or_exit<T, E: InitFailure>(result: Result<T, E>) -> T {
    match result {
        Ok(value) => value,
        Err(error) => {
            let (error_type, message) = (error.error_type(), error.to_string());
            if let Err(report) = post(error_type, &message).await {
                eprintln!("the init error could not be reported to the Runtime API: {report}");
            }
            flush_log();
            let _ = std::io::stdout().write_all(&log_line(error_type, &message, json_logs_requested()));
            std::process::exit(1);
        }
    }
}

/// Posts `{"errorType", "errorMessage"}` to `init/error`; the runtime should exit after it.
async fn post(error_type: &str, message: &str) -> Result<(), Box<dyn Error + Send + Sync>> {
    let body = serde_json::json!({ "errorType": error_type, "errorMessage": message }).to_string();
    let request = build_request()
        .method("POST")
        .uri("/2018-06-01/runtime/init/error")
        .header("content-type", "application/vnd.aws.lambda.error+json")
        .header("lambda-runtime-function-error-type", error_type)
        .body(Body::from(body))?;
    let answer = PooledClient::builder().build().call(request).await?;
    // Lambda answers 202; other emulators (cargo lambda watch) 200.
    match answer.status().as_u16() {
        200..=299 => Ok(()),
        status => Err(format!("HTTP {status}").into()),
    }
}

/// The log's last line: FATAL, in the log's format, so that it passes Lambda's filter at every level.
pub fn log_line(error_type: &str, message: &str, json: bool) -> Vec<u8> {
    let mut line = Vec::new();
    if json {
        line.extend_from_slice(b"{\"timestamp\":\"");
        write_timestamp(&mut line, SystemTime::now());
        line.extend_from_slice(b"\",\"level\":\"FATAL\",\"message\":");
        let _ = serde_json::to_writer(&mut line, message);
        line.extend_from_slice(b",\"errorType\":");
        let _ = serde_json::to_writer(&mut line, error_type);
        line.push(b'}');
    } else {
        let _ = write!(line, "FATAL {message} errorType={error_type}");
    }
    line.push(b'\n');
    line
}

#[cfg(test)]
#[path = "init_error_tests.rs"]
mod tests;
