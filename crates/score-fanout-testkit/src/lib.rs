//! Dev-only: what the tests, the benchmark and `make invoke` share. The one Lambda Runtime API emulator
//! ([`runtime_api`], std only); with the `aws` feature, the local AWS server ([`moto`]), a fault-injecting proxy in
//! front of it ([`fault_proxy`]), stream records made up in Lambda's shape ([`records`]), the committed JSON
//! Schemas ([`schemas`]) and a stand-in for the Custom Event Bus API, which moto lacks ([`custom_bus`]).

pub mod http;
pub mod runtime_api;

#[cfg(feature = "aws")]
pub mod custom_bus;
#[cfg(feature = "aws")]
pub mod fault_proxy;
#[cfg(feature = "aws")]
pub mod moto;
#[cfg(feature = "aws")]
pub mod records;
#[cfg(feature = "aws")]
pub mod schemas;
#[cfg(feature = "aws")]
pub mod streams;

/// The repository's root, where `.venv/`, `events/` and `schemas/` are.
pub fn repository() -> &'static std::path::Path {
    std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}
