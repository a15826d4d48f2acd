//! Talking to Pipedrive: the API client, the resource table, pagination, per-parent walks and the
//! field definitions that give custom fields their names.

pub mod budget;
pub mod children;
pub mod client;
pub mod costs;
pub mod fields;
pub mod idset;
pub mod pacer;
pub mod pages;
pub mod resources;
pub mod slices;
