//! The crate's `rust-version` promises consumers the oldest Rust it builds with. Only one toolchain is installed here,
//! so the promise is checked offline, two ways: clippy's `incompatible_msrv` (on in Cargo.toml) rejects any standard
//! library API newer than it in our code, and this test holds it to at least the `rust-version` every dependency
//! declares, as `cargo metadata` reads them from the lockfile's versions.

use serde_json::Value;
use std::process::Command;

const MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");

/// `cargo metadata` of the workspace, offline, at the lockfile's versions, with every feature (`schema` included).
fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let args = ["metadata", "--format-version", "1", "--offline", "--locked", "--all-features", "--manifest-path"];
    let output = Command::new(cargo).args(args).arg(MANIFEST).output().expect("running cargo metadata");
    assert!(output.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("cargo metadata JSON")
}

/// `1.85` and `1.85.0` alike, as comparable numbers.
fn version(text: &str) -> [u64; 3] {
    let mut parts = text.split('.').map(|part| part.parse().unwrap_or(0));
    [parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0)]
}

/// Whether a dependency edge is built for consumers: normal or build, not only dev.
fn built_for_consumers(dependency: &Value) -> bool {
    let kinds = dependency["dep_kinds"].as_array().map(Vec::as_slice).unwrap_or_default();
    kinds.iter().any(|kind| kind["kind"].as_str() != Some("dev"))
}

#[test]
fn rust_version_is_at_least_the_highest_any_dependency_declares() {
    let metadata = metadata();
    let packages = metadata["packages"].as_array().expect("packages");
    let ours = packages.iter().find(|p| p["name"] == "score-fanout-events").expect("this crate in the metadata");
    let declared = ours["rust_version"].as_str().expect("score-fanout-events declares a rust-version");
    let nodes = metadata["resolve"]["nodes"].as_array().expect("resolve.nodes");
    let node = |id: &Value| nodes.iter().find(|n| &n["id"] == id).expect("a resolved node");

    let (mut seen, mut pending) = (Vec::new(), vec![ours["id"].clone()]);
    while let Some(id) = pending.pop() {
        for dependency in node(&id)["deps"].as_array().expect("deps").iter().filter(|d| built_for_consumers(d)) {
            if !seen.contains(&dependency["pkg"]) {
                seen.push(dependency["pkg"].clone());
                pending.push(dependency["pkg"].clone());
            }
        }
    }
    assert!(seen.len() > 3, "serde, serde_json, thiserror and their dependencies: {seen:?}");
    let needs: Vec<(String, &str)> = packages
        .iter()
        .filter(|p| seen.contains(&p["id"]))
        .filter_map(|p| {
            Some((format!("{} {}", p["name"].as_str()?, p["version"].as_str()?), p["rust_version"].as_str()?))
        })
        .collect();
    let highest = needs.iter().map(|(_, needed)| version(needed)).max().expect("dependencies declaring a rust-version");
    let needing: Vec<&String> = needs.iter().filter(|(_, needed)| version(needed) == highest).map(|(p, _)| p).collect();
    assert!(
        version(declared) >= highest,
        "rust-version {declared} is older than {needing:?} allow ({highest:?}): raise it in {MANIFEST}"
    );
}
