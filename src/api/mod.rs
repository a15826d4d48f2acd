//! Talking to Pipedrive: the HTTP client, the resource table and pagination.

pub mod client;
pub mod pages;
pub mod resources;
pub mod wait;
