//! The Lambda function: configuration and clients at cold start, then the handler for every invocation.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use score_fanout::{aws, logging, metrics, Config, RetryBudget, StreamEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // A configuration error ends init here; Lambda reports it with this message.
    let config = Config::from_env()?;
    logging::init(&config);
    let handler = aws::handler(&config, &aws::sdk_config().await).with_metrics(metrics::stdout());
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<StreamEvent>| async move {
        let budget = RetryBudget::from_deadline_ms(event.context.deadline);
        Ok::<_, Error>(handler.handle(&event.payload, &budget).await)
    }))
    .await
}
