//! What the token store and the MongoDB output share about a `mongodb://` URI: the client
//! settings every connection of this program starts from, keeping its password out of messages,
//! and the driver's errors put as a user reads them. A floor module: it imports nothing of this
//! crate.

use std::time::Duration;

use mongodb::options::ClientOptions;

/// The database when the URI's path names none.
const DEFAULT_DATABASE: &str = "pipedrive";
/// Server selection and connection: an unreachable server must fail in seconds, not 30.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Fills in what the URI leaves unset (the URI's own settings win): timeouts that fail fast on
/// an unreachable server and the program's name; returns the database to use.
pub(crate) fn apply_defaults(options: &mut ClientOptions) -> String {
    options
        .server_selection_timeout
        .get_or_insert(CONNECT_TIMEOUT);
    options.connect_timeout.get_or_insert(CONNECT_TIMEOUT);
    options
        .app_name
        .get_or_insert_with(|| "pipedrive-cli".into());
    options
        .default_database
        .clone()
        .unwrap_or_else(|| DEFAULT_DATABASE.to_string())
}

/// The URI without its password and query (which may hold more credentials), for messages.
pub(crate) fn redact_uri(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return "<unparsable URI>".into();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = (&rest[..end], &rest[end..]);
    let path = path.split('?').next().unwrap_or("");
    match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{hosts}{path}")
        }
        None => format!("{scheme}://{authority}{path}"),
    }
}

/// Driver messages should not echo a password, but make sure.
pub(crate) fn scrub(msg: &str, uri: &str) -> String {
    let password = uri
        .split_once("://")
        .and_then(|(_, rest)| rest.split(['/', '?']).next())
        .and_then(|auth| auth.rsplit_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, p)| p)
        .filter(|p| !p.is_empty());
    match password {
        Some(p) => msg.replace(p, "***"),
        None => msg.to_string(),
    }
}

/// A driver error as a user reads it: the error's own text, without the labels and sources the
/// driver appends, and for a server that never answered, each address with its reason instead
/// of the whole topology.
pub(crate) fn describe(e: &mongodb::error::Error) -> String {
    use mongodb::error::{ErrorKind, WriteFailure};
    match e.kind.as_ref() {
        ErrorKind::ServerSelection { message, .. } => {
            let reasons = server_reasons(message);
            if reasons.is_empty() {
                format!("no usable server ({message})")
            } else {
                format!("no server answered: {}", reasons.join("; "))
            }
        }
        ErrorKind::Write(WriteFailure::WriteConcernError(w)) => {
            format!(
                "write concern: {} (code {} {})",
                w.message, w.code, w.code_name
            )
        }
        ErrorKind::Write(WriteFailure::WriteError(w)) => match &w.code_name {
            Some(name) => format!("{} (code {} {name})", w.message, w.code),
            None => format!("{} (code {})", w.message, w.code),
        },
        kind => kind.to_string(),
    }
}

/// `ADDRESS: REASON` of each server a selection timeout's topology lists with an error, such as
/// `db:27017: I/O error: Connection refused (os error 111)`.
fn server_reasons(topology: &str) -> Vec<String> {
    topology
        .split("Address: ")
        .skip(1)
        .filter_map(|server| {
            let (address, rest) = server.split_once(',')?;
            let (_, error) = rest.split_once("Error: ")?;
            let error = error.strip_prefix("Kind: ").unwrap_or(error);
            let error = error
                .split(", labels:")
                .next()?
                .trim_end_matches([' ', '}', ']']);
            Some(format!("{address}: {error}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_server_is_named_with_its_reason() {
        // What mongodb 3.9 says when nothing listens on the port.
        let topology = "No available servers. Topology: { Type: Unknown, Servers: [ { Address: \
            127.0.0.1:1, Type: Unknown, Error: Kind: I/O error: Connection refused (os error \
            111), labels: {\"RetryableError\"}, source: None, server response: None } ] }";
        assert_eq!(
            server_reasons(topology),
            ["127.0.0.1:1: I/O error: Connection refused (os error 111)"]
        );
        let two = "Servers: [ { Address: a:1, Type: Unknown, Error: Kind: I/O error: timed out, \
            labels: {} }, { Address: b:2, Type: Unknown } ]";
        assert_eq!(server_reasons(two), ["a:1: I/O error: timed out"]);
        assert!(server_reasons("No available servers.").is_empty());
    }

    #[test]
    fn messages_never_show_the_password() {
        assert_eq!(
            redact_uri("mongodb://u:s3cret@h1:27017,h2/db?authSource=admin"),
            "mongodb://u:***@h1:27017,h2/db"
        );
        assert_eq!(redact_uri("mongodb://h:1/"), "mongodb://h:1/");
        assert_eq!(
            redact_uri("mongodb+srv://u:p@c.example"),
            "mongodb+srv://u:***@c.example"
        );
        assert_eq!(scrub("bad s3cret", "mongodb://u:s3cret@h/"), "bad ***");
    }
}
