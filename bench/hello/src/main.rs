//! The floor of a Rust function's cold start, for `make bench`: lambda_runtime's hello world (the shape of its
//! README's example, answering as a stream function that failed nothing), built with the workspace's release
//! profile, so that init is compared with what any Rust function on this runtime costs.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(answer)).await
}

async fn answer(_event: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(json!({ "batchItemFailures": [] }))
}
