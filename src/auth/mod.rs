//! Authentication: the token record, the OAuth calls, the loopback callback server and the
//! session that hands out a fresh token.

pub mod callback;
pub mod oauth;
pub mod session;
pub mod token;
