//! OAuth 2.0 as Pipedrive does it: `/oauth/authorize` (redirect with a code),
//! `/oauth/token` (authorization_code and refresh_token grants, client Basic auth, refresh
//! tokens rotated on every use by default) and `/oauth/revoke` (RFC 7009).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;

use crate::data::h;
use crate::state::{Reply, Shared};
use crate::TokenGrant;

pub const EXPIRES_IN: u64 = 3599;
const CODE_TTL: Duration = Duration::from_secs(300);

struct Chain {
    current_refresh: Option<String>,
}

pub struct OAuth {
    salt: u64,
    seq: u64,
    codes: HashMap<String, (String, Instant)>,
    /// access token -> (chain, expires)
    access: HashMap<String, (u64, Instant)>,
    /// valid refresh token -> chain
    refresh: HashMap<String, u64>,
    chains: HashMap<u64, Chain>,
    latest_chain: Option<u64>,
}

impl OAuth {
    pub fn new() -> OAuth {
        let salt = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        OAuth {
            salt,
            seq: 0,
            codes: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            chains: HashMap::new(),
            latest_chain: None,
        }
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.seq += 1;
        format!(
            "{prefix}{}:{:016x}{:016x}",
            self.seq,
            h(self.salt, self.seq, 1),
            h(self.salt, self.seq, 2)
        )
    }

    fn grant(&mut self, shared: &Shared, chain: u64, refresh: String) -> TokenGrant {
        let access = self.fresh("v1u:");
        let lifetime = token_lifetime(shared);
        self.access
            .insert(access.clone(), (chain, Instant::now() + lifetime));
        self.refresh.insert(refresh.clone(), chain);
        self.chains.insert(
            chain,
            Chain {
                current_refresh: Some(refresh.clone()),
            },
        );
        self.latest_chain = Some(chain);
        TokenGrant {
            access_token: access,
            refresh_token: refresh,
            token_type: "Bearer".into(),
            scope: shared.config.scopes.join(","),
            api_domain: shared
                .config
                .api_domain
                .clone()
                .unwrap_or_else(|| shared.url.clone()),
            expires_in: lifetime.as_secs(),
        }
    }

    /// A new grant chain (as after a login).
    pub fn issue(&mut self, shared: &Shared) -> TokenGrant {
        self.seq += 1;
        let chain = self.seq;
        let refresh = self.fresh("r:");
        self.grant(shared, chain, refresh)
    }

    fn refresh(&mut self, shared: &Shared, token: &str) -> Option<TokenGrant> {
        let chain = *self.refresh.get(token)?;
        let refresh = if shared.config.rotate_refresh_tokens {
            self.refresh.remove(token);
            self.fresh("r:")
        } else {
            token.to_string()
        };
        Some(self.grant(shared, chain, refresh))
    }

    fn revoke(&mut self, token: &str) {
        if let Some(chain) = self.refresh.remove(token) {
            self.access.retain(|_, (c, _)| *c != chain);
            self.refresh.retain(|_, c| *c != chain);
            if let Some(c) = self.chains.get_mut(&chain) {
                c.current_refresh = None;
            }
        } else {
            self.access.remove(token);
        }
    }

    pub fn revoke_all(&mut self) {
        self.access.clear();
        self.refresh.clear();
        for c in self.chains.values_mut() {
            c.current_refresh = None;
        }
    }

    pub fn check_access(&self, token: &str) -> bool {
        matches!(self.access.get(token), Some((_, expires)) if Instant::now() < *expires)
    }

    /// Every access token issued so far expires now; refresh tokens stay valid.
    pub fn expire_access_tokens(&mut self) {
        let now = Instant::now();
        for (_, expires) in self.access.values_mut() {
            *expires = now;
        }
    }

    pub fn current_refresh_token(&self) -> Option<String> {
        let c = self.chains.get(&self.latest_chain?)?;
        c.current_refresh
            .clone()
            .filter(|t| self.refresh.contains_key(t))
    }

    pub fn is_refresh_valid(&self, t: &str) -> bool {
        self.refresh.contains_key(t)
    }
}

/// How long new access tokens live (`Faults::token_lifetime`, else about an hour as Pipedrive's).
fn token_lifetime(shared: &Shared) -> Duration {
    shared
        .faults
        .read()
        .unwrap()
        .token_lifetime
        .unwrap_or(Duration::from_secs(EXPIRES_IN))
}

fn oauth_error(status: u16, error: &str, description: &str) -> Reply {
    let body = if status == 401 {
        serde_json::json!({"success": false, "error": error, "error_description": description})
    } else {
        serde_json::json!({"error": error, "error_description": description})
    };
    Reply::json(status, serde_json::to_vec(&body).expect("serialize"))
}

/// Decodes `Authorization: Basic ...` into (user, password).
pub fn basic_credentials(header: Option<&str>) -> Option<(String, String)> {
    let b64 = header?.strip_prefix("Basic ")?.trim();
    let raw = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (u, p) = text.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

fn get<'a>(pairs: &'a [(String, String)], k: &str) -> Option<&'a str> {
    pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

pub fn authorize(shared: &Shared, params: &[(String, String)]) -> Reply {
    if get(params, "client_id") != Some(shared.config.client_id.as_str()) {
        return Reply::text(400, "text/plain; charset=utf-8", "invalid client_id");
    }
    let Some(Ok(mut target)) = get(params, "redirect_uri").map(url::Url::parse) else {
        return Reply::text(400, "text/plain; charset=utf-8", "invalid redirect_uri");
    };
    let redirect = get(params, "redirect_uri").unwrap_or_default().to_string();
    {
        let mut q = target.query_pairs_mut();
        if shared.config.deny_consent {
            q.append_pair("error", "access_denied");
        } else {
            let mut o = shared.oauth.lock().unwrap();
            let code = o.fresh("c:");
            o.codes
                .insert(code.clone(), (redirect.clone(), Instant::now()));
            q.append_pair("code", &code);
        }
        if let Some(state) = get(params, "state") {
            q.append_pair("state", state);
        }
    }
    Reply::text(302, "text/html; charset=utf-8", "").header("location", target.to_string())
}

fn check_client(shared: &Shared, auth: Option<&str>) -> Result<(), Reply> {
    match basic_credentials(auth) {
        Some((id, secret))
            if id == shared.config.client_id && secret == shared.config.client_secret =>
        {
            Ok(())
        }
        _ => Err(oauth_error(
            401,
            "invalid_client",
            "Invalid client credentials",
        )),
    }
}

pub async fn token(shared: &Shared, auth: Option<&str>, form: &[(String, String)]) -> Reply {
    if let Err(r) = check_client(shared, auth) {
        return r;
    }
    let injected = {
        let mut faults = shared.faults.write().unwrap();
        (!faults.oauth_answers.is_empty()).then(|| faults.oauth_answers.remove(0))
    };
    if let Some(answer) = injected {
        return answer.reply();
    }
    let grant = match get(form, "grant_type") {
        Some("authorization_code") => {
            let code = get(form, "code").unwrap_or_default();
            let redirect = get(form, "redirect_uri").unwrap_or_default();
            let mut o = shared.oauth.lock().unwrap();
            match o.codes.get(code) {
                Some((r, at)) if r == redirect && at.elapsed() < CODE_TTL => {
                    o.codes.remove(code);
                    Some(o.issue(shared))
                }
                Some((r, _)) if r != redirect => {
                    return oauth_error(400, "invalid_grant", "redirect_uri does not match");
                }
                _ => None,
            }
        }
        Some("refresh_token") => {
            let delay = shared.faults.read().unwrap().refresh_delay;
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let t = get(form, "refresh_token").unwrap_or_default();
            let g = shared.oauth.lock().unwrap().refresh(shared, t);
            if g.is_some() {
                shared.refresh_count.fetch_add(1, Ordering::SeqCst);
                slow_answer(shared).await;
            }
            g
        }
        _ => {
            return oauth_error(
                400,
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token",
            )
        }
    };
    match grant {
        Some(g) => {
            let body = serde_json::json!({
                "access_token": g.access_token,
                "token_type": g.token_type,
                "refresh_token": g.refresh_token,
                "scope": g.scope,
                "expires_in": g.expires_in,
                "api_domain": g.api_domain,
            });
            Reply::json(200, serde_json::to_vec(&body).expect("serialize"))
        }
        None => oauth_error(
            400,
            "invalid_grant",
            "Invalid grant: token is invalid or used",
        ),
    }
}

/// `Faults::refresh_answer_delay`: the refresh token is already rotated while the answer is on
/// its way, the window in which a client that dies loses the only copy.
async fn slow_answer(shared: &Shared) {
    let delay = shared.faults.read().unwrap().refresh_answer_delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
}

pub fn revoke(shared: &Shared, auth: Option<&str>, form: &[(String, String)]) -> Reply {
    if let Err(r) = check_client(shared, auth) {
        return r;
    }
    match get(form, "token") {
        Some(t) => {
            shared.oauth.lock().unwrap().revoke(t);
            Reply::json(200, b"{}".to_vec())
        }
        None => oauth_error(400, "invalid_request", "token is required"),
    }
}
