//! The integration tests: the real `pipedrive` binary against a mock Pipedrive, by feature.

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
mod sync_faults;
mod sync_mongo;
mod token_safety;
mod types;
