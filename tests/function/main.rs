//! The function's end-to-end tests: its binary through the Runtime API emulator, its requests through the fault
//! proxy, its schemas against its types, and real-world stream events. One test binary,
//! because each links the AWS SDK and linking is most of a test build.

mod binary;
mod proxy;
mod realworld;
mod schemas;
mod tracing;
