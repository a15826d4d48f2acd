//! Authentication: the OAuth calls, the loopback callback server and the session that hands out a
//! fresh token. The token record itself lives in `crate::token`, below both auth and the stores.

pub mod callback;
pub mod oauth;
pub mod session;
