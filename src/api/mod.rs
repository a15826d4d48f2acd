//! Talking to Pipedrive: the API client, the resource table, pagination, per-parent walks and the
//! field definitions that give custom fields their names.

mod budget;
pub(crate) mod children;
pub(crate) mod client;
pub mod costs;
pub mod fields;
pub(crate) mod idset;
mod pacer;
pub(crate) mod pages;
pub mod resources;
pub(crate) mod slices;
