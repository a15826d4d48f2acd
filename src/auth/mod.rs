//! Authentication: the OAuth calls, the loopback callback server and the session that hands out a
//! fresh token. The token record itself lives in `crate::token`, below both auth and the stores.

pub(crate) mod callback;
pub(crate) mod oauth;
pub(crate) mod session;
