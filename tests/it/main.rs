//! The integration tests: the real `pipedrive` binary against a mock Pipedrive, by feature.

mod support;

mod faults;

mod login;
mod smoke;
