//! The integration tests: the real `pipedrive` binary against a mock Pipedrive, by feature.

mod support;

mod export;
mod login;
mod smoke;
