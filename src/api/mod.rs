//! Talking to Pipedrive: the API client, the resource table, pagination and the field
//! definitions that give custom fields their names.

pub mod client;
pub mod fields;
pub mod pages;
pub mod resources;
