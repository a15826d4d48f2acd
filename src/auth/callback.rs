//! The loopback server that receives the browser's redirect after consent.
//!
//! It listens on the redirect URL's port on loopback addresses only, answers every request with a
//! small HTML page, and accepts exactly one callback whose `state` matches. A pasted redirect URL
//! (for `--no-browser` over SSH) arrives through the same channel as a real callback.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::printer;
use crate::terminal_text::{quoted, QUOTE_MAX};

pub(crate) struct CallbackServer {
    servers: Vec<std::sync::Arc<tiny_http::Server>>,
    path: String,
}

/// What one callback carried.
enum Callback {
    Http(tiny_http::Request),
    Pasted(String),
}

/// Validates the redirect URL: http, a loopback host, an explicit or default port.
fn loopback_redirect(redirect_url: &str) -> Result<(url::Url, Vec<IpAddr>)> {
    let bad = |why: &str| {
        Error::Usage(format!(
            "PIPEDRIVE_REDIRECT_URL '{redirect_url}' {why}: use an http loopback URL such as \
             http://localhost:8910/callback, registered as the app's callback URL"
        ))
    };
    let url = url::Url::parse(redirect_url).map_err(|_| bad("is not a valid URL"))?;
    if url.scheme() != "http" {
        return Err(bad("is not http"));
    }
    let addrs = match url.host() {
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => vec![
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ],
        Some(url::Host::Ipv4(ip)) if ip.is_loopback() => vec![IpAddr::V4(ip)],
        Some(url::Host::Ipv6(ip)) if ip.is_loopback() => vec![IpAddr::V6(ip)],
        _ => return Err(bad("is not on a loopback host")),
    };
    Ok((url, addrs))
}

impl CallbackServer {
    pub(crate) fn bind(redirect_url: &str) -> Result<CallbackServer> {
        let (url, addrs) = loopback_redirect(redirect_url)?;
        let port = url.port_or_known_default().unwrap_or(80);
        let mut servers = Vec::new();
        let mut first_err = None;
        for ip in addrs {
            match tiny_http::Server::http(SocketAddr::new(ip, port)) {
                Ok(s) => servers.push(std::sync::Arc::new(s)),
                Err(e) => {
                    let in_use = e
                        .downcast_ref::<std::io::Error>()
                        .is_some_and(|io| io.kind() == std::io::ErrorKind::AddrInUse);
                    // ::1 may not exist on this machine, and one loopback address is enough; but
                    // a port taken on either address would let another program get the callback.
                    if in_use {
                        servers.clear();
                        first_err = Some(format!("{ip}:{port}: {e}"));
                        break;
                    }
                    first_err.get_or_insert(e.to_string());
                }
            }
        }
        if servers.is_empty() {
            return Err(Error::Other(format!(
                "cannot listen on port {port} of the loopback interface ({}): is another \
                 `pipedrive login` running? Free the port or set PIPEDRIVE_REDIRECT_URL to another \
                 registered callback URL",
                first_err.unwrap_or_default()
            )));
        }
        Ok(CallbackServer {
            servers,
            path: url.path().to_string(),
        })
    }

    /// Waits for the one callback with our `state`; returns its `code`.
    pub(crate) fn wait(&self, state: &str, timeout: Duration, paste: bool) -> Result<String> {
        let (tx, rx) = mpsc::channel::<Callback>();
        for server in &self.servers {
            let server = server.clone();
            let tx = tx.clone();
            std::thread::spawn(move || {
                while let Ok(req) = server.recv() {
                    if tx.send(Callback::Http(req)).is_err() {
                        break;
                    }
                }
            });
        }
        if paste {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut line = String::new();
                while std::io::stdin().read_line(&mut line).unwrap_or(0) > 0 {
                    if tx.send(Callback::Pasted(line.trim().to_string())).is_err() {
                        break;
                    }
                    line.clear();
                }
            });
        }
        drop(tx);
        // `--timeout` takes any u64: a deadline past what the clock can hold means "no deadline"
        // in practice (a century).
        let deadline = Instant::now()
            .checked_add(timeout)
            .or_else(|| Instant::now().checked_add(Duration::from_secs(100 * 365 * 86_400)))
            .unwrap_or_else(Instant::now);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let callback = match rx.recv_timeout(left) {
                Ok(c) => c,
                Err(_) => {
                    return Err(Error::Auth(format!(
                        "no answer from the browser within {}s; run `pipedrive login` again \
                         (--timeout sets the wait)",
                        timeout.as_secs()
                    )))
                }
            };
            match callback {
                Callback::Http(req) => {
                    if let Some(done) = self.answer(req, state) {
                        return done;
                    }
                }
                Callback::Pasted(text) => {
                    if text.is_empty() {
                        continue;
                    }
                    let params = pasted_params(&text);
                    match judge(&params, state) {
                        Verdict::Code(code) => return Ok(code),
                        Verdict::Denied(why) => return Err(denied(&why)),
                        Verdict::Ignore(why) => {
                            printer::always(&format!("ignored the pasted text: {why}"))
                        }
                    }
                }
            }
        }
    }

    /// Answers one HTTP request; `Some` ends the wait.
    fn answer(&self, req: tiny_http::Request, state: &str) -> Option<Result<String>> {
        let full = format!("http://localhost{}", req.url());
        let parsed = url::Url::parse(&full).ok();
        let Some(parsed) = parsed.filter(|u| u.path() == self.path) else {
            respond(
                req,
                404,
                "Not found",
                "This address is not the login callback.",
            );
            return None;
        };
        let params: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        match judge(&params, state) {
            Verdict::Code(code) => {
                respond(
                    req,
                    200,
                    "Logged in",
                    "pipedrive is logged in. You can close this tab and return to the terminal.",
                );
                Some(Ok(code))
            }
            Verdict::Denied(why) => {
                respond(
                    req,
                    200,
                    "Login cancelled",
                    &format!(
                        "Pipedrive did not grant access ({}). You can close this tab.",
                        html_escape(&why)
                    ),
                );
                Some(Err(denied(&why)))
            }
            Verdict::Ignore(why) => {
                respond(req, 400, "Login link not recognised", &html_escape(&why));
                None
            }
        }
    }
}

enum Verdict {
    Code(String),
    Denied(String),
    Ignore(String),
}

fn judge(params: &[(String, String)], state: &str) -> Verdict {
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let state_ok = get("state") == Some(state);
    if !state_ok {
        // An error without our state would let any local process end the login (a denial of
        // service): it is ignored like any other callback that is not ours.
        return Verdict::Ignore(
            "this callback does not belong to the login in progress (wrong or missing state); \
             start again from the URL printed by `pipedrive login`"
                .into(),
        );
    }
    if let Some(error) = get("error") {
        // Both parts reach the terminal: no escape sequences, no screenful of text.
        let why = match get("error_description") {
            Some(d) => format!("{}: {}", quoted(error, 100), quoted(d, QUOTE_MAX)),
            None => quoted(error, 100),
        };
        return Verdict::Denied(why);
    }
    match get("code") {
        Some(code) if !code.is_empty() => Verdict::Code(code.to_string()),
        _ => Verdict::Ignore("the callback carries no authorization code".into()),
    }
}

fn denied(why: &str) -> Error {
    Error::Auth(format!("Pipedrive did not grant access: {why}"))
}

/// Accepts a whole URL, a `?query`, or a bare `code=..&state=..`.
fn pasted_params(text: &str) -> Vec<(String, String)> {
    let query = match url::Url::parse(text) {
        Ok(u) => u.query().unwrap_or_default().to_string(),
        Err(_) => text.trim_start_matches('?').to_string(),
    };
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

fn respond(req: tiny_http::Request, status: u16, title: &str, body: &str) {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{body}</p></body></html>"
    );
    let header = tiny_http::Header::from_bytes("Content-Type", "text/html; charset=utf-8")
        .expect("static header");
    let resp = tiny_http::Response::from_string(html)
        .with_status_code(status)
        .with_header(header);
    let _ = req.respond(resp);
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn only_the_matching_state_yields_a_code() {
        assert!(
            matches!(judge(&p(&[("code", "c"), ("state", "s")]), "s"), Verdict::Code(c) if c == "c")
        );
        assert!(matches!(
            judge(&p(&[("code", "c"), ("state", "x")]), "s"),
            Verdict::Ignore(_)
        ));
        assert!(matches!(
            judge(&p(&[("code", "c")]), "s"),
            Verdict::Ignore(_)
        ));
        assert!(matches!(
            judge(&p(&[("error", "access_denied"), ("state", "s")]), "s"),
            Verdict::Denied(_)
        ));
        assert!(matches!(
            judge(&p(&[("error", "access_denied"), ("state", "x")]), "s"),
            Verdict::Ignore(_)
        ));
        assert!(matches!(
            judge(&p(&[("error", "access_denied")]), "s"),
            Verdict::Ignore(_)
        ));
    }

    #[test]
    fn a_denial_reason_carries_no_control_characters() {
        let params = p(&[
            ("error", "access_denied\x1b[31m"),
            ("error_description", "no\x1b]0;pwned\x07 way\r"),
            ("state", "s"),
        ]);
        let Verdict::Denied(why) = judge(&params, "s") else {
            panic!("a denial with our state ends the login");
        };
        assert!(!why.chars().any(char::is_control), "{why:?}");
    }

    #[test]
    fn redirect_urls_must_be_loopback_http() {
        assert!(loopback_redirect("http://localhost:8910/callback").is_ok());
        assert!(loopback_redirect("http://127.0.0.1:1234/cb").is_ok());
        assert_eq!(
            loopback_redirect("https://localhost:8910/cb")
                .err()
                .unwrap()
                .exit_code(),
            2
        );
        assert_eq!(
            loopback_redirect("http://example.com/cb")
                .err()
                .unwrap()
                .exit_code(),
            2
        );
    }

    #[test]
    fn pasted_text_in_any_form() {
        let want = p(&[("code", "c1"), ("state", "s1")]);
        assert_eq!(
            pasted_params("http://localhost:8910/callback?code=c1&state=s1"),
            want
        );
        assert_eq!(pasted_params("?code=c1&state=s1"), want);
        assert_eq!(pasted_params("code=c1&state=s1"), want);
    }
}
