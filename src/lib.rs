//! `pipedrive`: export a company's Pipedrive CRM data.
//!
//! The data flows: flags (`cli`) -> settings -> a command -> a fresh token (`auth::session`) ->
//! the API client (`api`) -> pages of records -> an output sink (`output`).

pub mod auth;
pub mod cli;
pub mod error;
pub mod secret;
pub mod settings;
pub mod store;
