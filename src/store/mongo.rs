//! The mongo store (placeholder until it is built: every call reports the store unavailable).

use crate::auth::token::{Token, TokenRecord};
use crate::error::{Error, Result};
use crate::settings::Settings;

pub struct MongoStore {}

fn unavailable() -> Error {
    Error::Store {
        store: "mongo",
        reason: "this build has no mongo store yet; use --store file".into(),
    }
}

impl MongoStore {
    pub async fn open(_settings: &Settings) -> Result<Self> {
        Err(unavailable())
    }

    pub async fn close(self) {}

    pub fn location(&self) -> String {
        "mongo".into()
    }

    pub async fn load(&self, _account: &str, _owner: &str) -> Result<Option<TokenRecord>> {
        Err(unavailable())
    }

    pub async fn load_account(&self, _account: &str) -> Result<Vec<TokenRecord>> {
        Err(unavailable())
    }

    pub async fn save_login(&self, _account: &str, _owner: &str, _token: &Token) -> Result<()> {
        Err(unavailable())
    }

    pub async fn replace_token(
        &self,
        _account: &str,
        _owner: &str,
        _expected_refresh: &str,
        _token: &Token,
    ) -> Result<bool> {
        Err(unavailable())
    }

    pub async fn invalidate_account(&self, _account: &str) -> Result<u64> {
        Err(unavailable())
    }

    pub async fn delete(&self, _account: &str, _owner: &str) -> Result<bool> {
        Err(unavailable())
    }
}
