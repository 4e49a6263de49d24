//! The region a destination lives in, read from its name: an ARN's region field, or a queue URL's AWS host. A name
//! that carries none (a bus name, a queue on a local server) has none, and is only asked about.

/// The region field of `arn:partition:service:region:account:resource`, when the value is such an ARN.
pub(super) fn of_arn(value: &str) -> Option<&str> {
    let mut parts = value.splitn(6, ':');
    match (parts.next(), parts.nth(2)) {
        (Some("arn"), Some(region)) if !region.is_empty() => Some(region),
        _ => None,
    }
}

/// The region of an SQS queue URL's AWS host: `sqs.<region>.amazonaws.com`, `sqs-fips.<region>...`,
/// `sqs.<region>.api.aws`, `<region>.queue.amazonaws.com`, a VPC endpoint's `...sqs.<region>.vpce.amazonaws.com`,
/// and the legacy `queue.amazonaws.com` (us-east-1). Any other host (a local server, a proxy) has none.
pub(super) fn of_queue_url(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let host = rest.split(['/', ':']).next()?.to_ascii_lowercase();
    let aws = [".amazonaws.com", ".amazonaws.com.cn", ".api.aws"].iter().any(|suffix| host.ends_with(suffix));
    if !aws {
        return None;
    }
    if host == "queue.amazonaws.com" {
        return Some("us-east-1".to_owned());
    }
    host.split('.').find(|label| is_region(label)).map(str::to_owned)
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`: letters, dashes, and a number last.
fn is_region(label: &str) -> bool {
    let mut parts = label.split('-');
    let first = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    let Some((number, middle)) = rest.split_last() else { return false };
    first.len() == 2
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && !middle.is_empty()
        && middle.iter().all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase()))
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
#[path = "region_tests.rs"]
mod tests;
