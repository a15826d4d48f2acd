//! Talking to Pipedrive: the API client, the resource table, pagination, per-parent walks and the
//! field definitions that give custom fields their names.

pub mod children;
pub mod client;
pub mod fields;
pub mod pages;
pub mod resources;
