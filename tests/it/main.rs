//! The integration tests: the real `pipedrive` binary against a mock Pipedrive, by feature.
//!
//! Tests start in the order of their names, eight at a time (`.cargo/config.toml`). The syncs
//! into MongoDB are the longest (the Python server takes most of their time), so their modules
//! are named to start mid-suite, overlapping the rest, not last on an otherwise idle machine.

mod services;
mod support;

mod bad_input;
mod csv_props;
mod damaged_store;
mod dir_set;
mod edges;
mod every_account;
mod export;
mod faults;
mod field_names;
mod generated;
mod hostile;
mod login;
mod login_paste;
mod long_names;
mod mongo_sync;
mod mongo_sync_faults;
mod moving;
mod output_files;
mod perf_guards;
mod progress;
mod secrets;
mod server_text;
mod session;
mod show;
mod smoke;
mod speed;
mod status_logout;
mod store_auto;
mod store_keyring;
mod store_mongo;
mod token_safety;
mod types;
