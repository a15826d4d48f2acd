//! A MongoDB wire proxy for the bench: each client message is shown to a hook, which lets it
//! through to the server or answers it in the server's place.
//!
//! The accounts section counts commands by collection with it; the sync section answers the
//! records' upserts without storing them, to time the client alone where no server keeps up.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use mongodb::bson::{rawdoc, RawArrayBuf, RawDocument, RawDocumentBuf};

/// What the proxy does with one client message.
pub(super) enum Pass {
    Forward,
    /// These bytes go back to the client instead; the server never sees the message.
    Answer(Vec<u8>),
}

/// OP_MSG's opcode: every command a current driver sends.
const OP_MSG: i32 = 2013;

/// The command document of an OP_MSG (its first section, kind 0), unparsed.
pub(super) fn command(msg: &[u8]) -> Option<&RawDocument> {
    if msg.len() < 21 || i32::from_le_bytes(msg[12..16].try_into().ok()?) != OP_MSG {
        return None;
    }
    if msg[20] != 0 {
        return None;
    }
    RawDocument::from_bytes(&msg[21..]).ok()
}

/// An OP_MSG carrying `reply` in answer to the client message `request`.
pub(super) fn reply_to(request: &[u8], reply: &RawDocumentBuf) -> Vec<u8> {
    let body = reply.as_bytes();
    let len = 16 + 4 + 1 + body.len();
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&(len as i32).to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    // responseTo: the request's own id.
    out.extend_from_slice(&request[4..8]);
    out.extend_from_slice(&OP_MSG.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.push(0);
    out.extend_from_slice(body);
    out
}

/// What a server answers to an `update` command whose every statement inserted a document
/// (`n` and each statement's `_id`, built from the `_id.*` parts of its filter), with `n`.
/// Read without decoding the records: the proxy must cost less than the server it stands for.
pub(super) fn all_upserted(cmd: &RawDocument) -> Option<(RawDocumentBuf, i32)> {
    let updates = cmd.get_array("updates").ok()?;
    let mut upserted = RawArrayBuf::new();
    let mut n = 0;
    for statement in updates {
        let statement = statement.ok()?.as_document()?;
        if statement.get_bool("upsert") != Ok(true) {
            return None;
        }
        let mut id = RawDocumentBuf::new();
        for part in statement.get_document("q").ok()?.iter() {
            let (key, value) = part.ok()?;
            id.append(key.strip_prefix("_id.")?, value.to_raw_bson());
        }
        upserted.push(rawdoc! { "index": n, "_id": id });
        n += 1;
    }
    let reply = rawdoc! { "n": n, "nModified": 0, "upserted": upserted, "ok": 1.0 };
    Some((reply, n))
}

/// What the proxy shows its owner.
pub(super) trait Tap: Send + Sync + 'static {
    /// What to do with one client message, and a label under which its reply is shown to
    /// [`Tap::reply`] (`None`: not shown).
    fn request(&self, msg: &[u8]) -> (Pass, Option<String>);

    /// The server's reply to a request the tap labelled.
    fn reply(&self, _label: &str, _reply: &[u8]) {}
}

/// One message off `from`: its length prefix says how much follows.
fn read_message(from: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = [0u8; 4];
    from.read_exact(&mut head).ok()?;
    let len = i32::from_le_bytes(head).max(4) as usize;
    let mut msg = head.to_vec();
    msg.resize(len, 0);
    from.read_exact(&mut msg[4..]).ok()?;
    Some(msg)
}

/// A TCP proxy to `target` on this machine; returns the port it listens on.
pub(super) fn proxy(target: u16, tap: impl Tap) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
    let port = listener.local_addr().unwrap().port();
    let tap = Arc::new(tap);
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                continue;
            };
            let (mut c_in, mut s_out) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            // A driver waits for each reply before its next message on a connection, so the
            // answers written here never interleave with the server's.
            let mut c_answer = client.try_clone().unwrap();
            let (mut s_in, mut c_out) = (server, client);
            // Labels of the requests in flight, by request id (a streamed `hello` has several
            // replies, so replies are matched by `responseTo`, not counted).
            let labels = Arc::new(Mutex::new(HashMap::<[u8; 4], String>::new()));
            let (tap_in, labels_in) = (tap.clone(), labels.clone());
            std::thread::spawn(move || {
                while let Some(msg) = read_message(&mut c_in) {
                    let (pass, label) = tap_in.request(&msg);
                    let sent = match pass {
                        Pass::Forward => {
                            if let Some(label) = label {
                                let id = msg[4..8].try_into().unwrap();
                                labels_in.lock().unwrap().insert(id, label);
                            }
                            s_out.write_all(&msg)
                        }
                        Pass::Answer(reply) => c_answer.write_all(&reply),
                    };
                    if sent.is_err() {
                        break;
                    }
                }
                let _ = s_out.shutdown(std::net::Shutdown::Both);
            });
            let tap_out = tap.clone();
            std::thread::spawn(move || {
                while let Some(msg) = read_message(&mut s_in) {
                    let to: [u8; 4] = msg[8..12].try_into().unwrap();
                    if let Some(label) = labels.lock().unwrap().remove(&to) {
                        tap_out.reply(&label, &msg);
                    }
                    if c_out.write_all(&msg).is_err() {
                        break;
                    }
                }
                let _ = c_out.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    port
}

/// Documents in a `find` or `getMore` reply's batch.
pub(super) fn batch_len(reply: &[u8]) -> usize {
    let cursor = command(reply).and_then(|r| r.get_document("cursor").ok());
    cursor
        .and_then(|c| {
            c.get_array("firstBatch")
                .or_else(|_| c.get_array("nextBatch"))
                .ok()
        })
        .map_or(0, |batch| batch.into_iter().count())
}

/// The port of a `mongodb://host:port/...` URI.
pub(super) fn port_of(uri: &str) -> u16 {
    uri.trim_start_matches("mongodb://")
        .split(['/', '?'])
        .next()
        .and_then(|h| h.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .expect("the server's port")
}
