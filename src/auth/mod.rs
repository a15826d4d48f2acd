//! Authentication: the token record, the OAuth calls, the loopback callback server and the
//! session that hands out a fresh token.

pub mod token;
