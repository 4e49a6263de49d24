//! score-fanout's local tools, over the function's own library: Lambda's event source mapping emulated over event
//! files or a table's stream ([`mapping`], [`stream`]), the offline stack on a local AWS-API server
//! ([`provision`]), the classic demo ([`demo`]) and the on-call redrive ([`redrive`]). None of it is compiled into
//! the function.

pub mod demo;
pub mod inbox;
pub mod mapping;
pub mod on_failure;
pub mod operator_sdk;
pub mod provision;
pub mod redrive;
pub mod stream;
pub mod table;
