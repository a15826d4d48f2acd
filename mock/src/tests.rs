//! Tests over real HTTP against an in-process mock, with a minimal blocking HTTP/1.1 client
//! (one request per connection).

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use base64::Engine;
use serde_json::Value;

use crate::{AuthKind, Config, Faults, MockPipedrive};

pub(crate) struct Resp {
    pub(crate) status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Connection closed before any status line.
    dropped: bool,
}

impl Resp {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("bad json ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub(crate) fn header(&self, n: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
    }
}

fn request(url: &str, method: &str, target: &str, headers: &[(&str, String)], body: &str) -> Resp {
    let addr = url.strip_prefix("http://").unwrap();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!("{method} {target} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if method == "POST" {
        req.push_str("content-type: application/x-www-form-urlencoded\r\n");
        req.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Resp {
            status: 0,
            headers: vec![],
            body: raw,
            dropped: true,
        };
    };
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Resp {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
        dropped: false,
    }
}

pub(crate) fn get(m: &MockPipedrive, target: &str, token: &str) -> Resp {
    request(
        &m.url(),
        "GET",
        target,
        &[("authorization", format!("Bearer {token}"))],
        "",
    )
}

fn basic(id: &str, secret: &str) -> (&'static str, String) {
    let b = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    ("authorization", format!("Basic {b}"))
}

fn refresh(m: &MockPipedrive, token: &str) -> Resp {
    let body = format!("grant_type=refresh_token&refresh_token={}", urlenc(token));
    request(
        &m.url(),
        "POST",
        "/oauth/token",
        &[basic("test-client", "test-secret")],
        &body,
    )
}

pub(crate) fn urlenc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Follows `next_cursor` to the end; returns every id seen.
fn walk_v2(m: &MockPipedrive, path: &str, extra: &str, token: &str) -> Vec<u64> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut target = format!("{path}?limit=500{extra}");
        if let Some(c) = &cursor {
            target.push_str(&format!("&cursor={}", urlenc(c)));
        }
        let r = get(m, &target, token);
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let j = r.json();
        ids.extend(
            j["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_u64().unwrap()),
        );
        match j["additional_data"]["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return ids,
        }
    }
}

#[test]
fn cursor_pagination_visits_every_id_once() {
    let m = MockPipedrive::start(Config::default());
    let t = m.issue_token().access_token;
    let ids = walk_v2(&m, "/api/v2/deals", "", &t);
    assert_eq!(ids, (1..=1203).collect::<Vec<_>>());
    let archived = walk_v2(&m, "/api/v2/deals/archived", "", &t);
    assert_eq!(archived, (1204..=1228).collect::<Vec<_>>());
    let by_time = walk_v2(
        &m,
        "/api/v2/persons",
        "&sort_by=update_time&sort_direction=desc",
        &t,
    );
    assert_eq!(by_time.len(), 520);
    assert_eq!(by_time.iter().collect::<HashSet<_>>().len(), 520);
    let desc = walk_v2(&m, "/api/v2/activities", "&sort_direction=desc", &t);
    assert_eq!(desc, (1..=700).rev().collect::<Vec<_>>());
    // default limit 100 and a stage filter
    let r = get(&m, "/api/v2/deals", &t).json();
    assert_eq!(r["data"].as_array().unwrap().len(), 100);
    let r = get(&m, "/api/v2/stages?pipeline_id=2", &t).json();
    assert!(r["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["pipeline_id"] == 2));
    assert!(r["additional_data"]["next_cursor"].is_null());
    let f = get(&m, "/api/v2/dealFields?limit=3", &t).json();
    assert_eq!(f["data"].as_array().unwrap().len(), 3);
    assert!(f["additional_data"]["next_cursor"].is_string());
}

#[test]
fn a_removed_person_leaves_lists_by_id_and_by_update_time() {
    let m = MockPipedrive::start(Config::default());
    let t = m.issue_token().access_token;
    m.remove("persons", 17);
    let by_id = walk_v2(&m, "/api/v2/persons", "", &t);
    assert_eq!(by_id.len(), 519);
    assert!(!by_id.contains(&17));
    let by_time = walk_v2(&m, "/api/v2/persons", "&sort_by=update_time", &t);
    assert_eq!(by_time.len(), 519);
    assert!(!by_time.contains(&17));
}

#[test]
fn v1_offset_pagination() {
    let m = MockPipedrive::start(Config::default());
    let t = m.issue_token().access_token;
    let (mut start, mut seen) = (0u64, Vec::new());
    loop {
        let j = get(&m, &format!("/api/v1/notes?start={start}&limit=500"), &t).json();
        seen.extend(
            j["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_u64().unwrap()),
        );
        let p = &j["additional_data"]["pagination"];
        assert_eq!(p["start"], start);
        if p["more_items_in_collection"] == false {
            assert!(p.get("next_start").is_none());
            break;
        }
        start = p["next_start"].as_u64().unwrap();
    }
    assert_eq!(seen, (1..=1234).collect::<Vec<_>>());
    let empty = get(&m, "/v1/notes?start=5000", &t).json();
    assert!(empty["data"].is_null());
    let users = get(&m, "/api/v1/users", &t).json();
    assert_eq!(users["data"].as_array().unwrap().len(), 7);
}

#[test]
fn strict_parameters() {
    let m = MockPipedrive::start(Config::default());
    let t = m.issue_token().access_token;
    for bad in [
        "/api/v2/deals?start=0",
        "/api/v2/deals?limit=501",
        "/api/v2/deals?limit=0",
        "/api/v2/deals?limit=10&limit=20",
        "/api/v2/deals?updated_since=yesterday",
        "/api/v2/products?updated_until=2025-01-01T00:00:00Z",
        "/api/v1/users?limit=100",
        "/api/v1/noteFields?start=0",
        "/api/v1/notes?cursor=x",
        "/api/v2/pipelines/abc",
    ] {
        let r = get(&m, bad, &t);
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.json()["success"], false);
    }
    let r = get(&m, "/api/v2/pipelines/99", &t);
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"], "Pipeline not found");
    assert_eq!(get(&m, "/api/v2/stages/9", &t).json()["data"]["id"], 9);
}

/// Every GET operation of both specs that declares `limit`, with the largest it allows
/// (extracted by `scripts/spec-limits.py`).
const SPEC_LIMITS: &str = include_str!("../../tests/fixtures/spec-limits.tsv");

#[test]
fn every_limit_the_specs_refuse_is_refused() {
    let m = MockPipedrive::start(Config::default());
    let t = m.issue_token().access_token;
    let mut served = 0;
    for line in SPEC_LIMITS.lines().filter(|l| !l.starts_with('#')) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (version, path, max) = (cols[0], cols[1], cols[3].parse::<u64>().unwrap());
        let path = format!("/api/{version}{}", path.replace("{id}", "1"));
        let over = get(&m, &format!("{path}?limit={}", max + 1), &t);
        if over.status == 404 {
            // Not an operation the mock serves: refused whatever the limit.
            continue;
        }
        served += 1;
        assert_eq!(over.status, 400, "{path}?limit={}", max + 1);
        assert_eq!(
            over.json()["error"],
            format!("Parameter 'limit' must be between 1 and {max}"),
            "{path}"
        );
        let at = get(&m, &format!("{path}?limit={max}"), &t);
        assert!(
            !String::from_utf8_lossy(&at.body).contains("'limit'"),
            "{path}?limit={max} is allowed: {}",
            String::from_utf8_lossy(&at.body)
        );
    }
    // The lists the export types read are among them (a fixture that lost its lines fails here).
    assert!(served >= 20, "{served} operations served");
}

#[test]
fn refresh_rotation_invalidates_old_token() {
    let m = MockPipedrive::start(Config::default());
    let g = m.issue_token();
    let r = refresh(&m, &g.refresh_token);
    assert_eq!(r.status, 200);
    let new = r.json();
    assert_ne!(new["refresh_token"], g.refresh_token.as_str());
    assert_eq!(new["api_domain"], m.url());
    assert!(!m.is_refresh_token_valid(&g.refresh_token));
    assert_eq!(
        m.current_refresh_token().as_deref(),
        new["refresh_token"].as_str()
    );
    let again = refresh(&m, &g.refresh_token);
    assert_eq!(again.status, 400);
    assert_eq!(again.json()["error"], "invalid_grant");
    assert_eq!(m.refresh_count(), 1);
    // the earlier access token still works, the new one too
    assert_eq!(get(&m, "/api/v2/pipelines", &g.access_token).status, 200);
    assert_eq!(
        get(
            &m,
            "/api/v2/pipelines",
            new["access_token"].as_str().unwrap()
        )
        .status,
        200
    );
    // revoking the refresh token kills its chain
    let body = format!(
        "token={}&token_type_hint=refresh_token",
        urlenc(new["refresh_token"].as_str().unwrap())
    );
    let r = request(
        &m.url(),
        "POST",
        "/oauth/revoke",
        &[basic("test-client", "test-secret")],
        &body,
    );
    assert_eq!(r.status, 200);
    assert_eq!(get(&m, "/api/v2/pipelines", &g.access_token).status, 401);
    let bad = request(
        &m.url(),
        "POST",
        "/oauth/token",
        &[basic("test-client", "nope")],
        "grant_type=refresh_token&refresh_token=x",
    );
    assert_eq!(bad.status, 401);
}

#[test]
fn no_rotation_and_authorization_code() {
    let m = MockPipedrive::start(Config {
        rotate_refresh_tokens: false,
        ..Config::default()
    });
    let r = request(&m.url(), "GET", "/oauth/authorize?client_id=test-client&redirect_uri=http%3A%2F%2Flocalhost%3A8910%2Fcallback&state=s1", &[], "");
    assert_eq!(r.status, 302);
    let loc = url::Url::parse(r.header("location").unwrap()).unwrap();
    let q: Vec<(String, String)> = loc.query_pairs().into_owned().collect();
    assert_eq!(q[1], ("state".into(), "s1".into()));
    let code = &q[0].1;
    let body = format!(
        "grant_type=authorization_code&code={}&redirect_uri={}",
        urlenc(code),
        urlenc("http://localhost:8910/callback")
    );
    let tok = request(
        &m.url(),
        "POST",
        "/oauth/token",
        &[basic("test-client", "test-secret")],
        &body,
    );
    assert_eq!(tok.status, 200);
    let again = request(
        &m.url(),
        "POST",
        "/oauth/token",
        &[basic("test-client", "test-secret")],
        &body,
    );
    assert_eq!(again.status, 400);
    let rt = tok.json()["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(refresh(&m, &rt).json()["refresh_token"], rt.as_str());
    assert_eq!(refresh(&m, &rt).status, 200);
    let r = request(
        &m.url(),
        "GET",
        "/oauth/authorize?client_id=other&redirect_uri=http://x/",
        &[],
        "",
    );
    assert_eq!(r.status, 400);
}

#[test]
fn faults_do_not_advance_pages() {
    let m = MockPipedrive::start(Config::default());
    let t = m.issue_token().access_token;
    m.set_faults(Faults {
        status_every: Some((2, 502)),
        ..Faults::default()
    });
    let a = get(&m, "/api/v2/deals?limit=5", &t);
    let b = get(&m, "/api/v2/deals?limit=5", &t);
    let c = get(&m, "/api/v2/deals?limit=5", &t);
    assert_eq!((a.status, b.status, c.status), (200, 502, 200));
    assert_eq!(b.header("content-type"), Some("text/html"));
    assert_eq!(a.body, c.body);
    m.set_faults(Faults {
        drop_every: Some(1),
        ..Faults::default()
    });
    assert!(get(&m, "/api/v2/deals?limit=5", &t).dropped);
    m.set_faults(Faults {
        truncate_every: Some(1),
        ..Faults::default()
    });
    let r = get(&m, "/api/v2/deals?limit=5", &t);
    let len: usize = r.header("content-length").unwrap().parse().unwrap();
    assert_eq!(r.body.len(), len / 2);
    m.set_faults(Faults {
        burst_429_every: Some(1),
        ..Faults::default()
    });
    let r = get(&m, "/api/v2/deals?limit=5", &t);
    assert_eq!((r.status, r.header("retry-after")), (429, Some("1")));
    m.set_faults(Faults {
        daily_budget_exhausted: true,
        ..Faults::default()
    });
    let r = get(&m, "/api/v2/deals?limit=5", &t);
    assert_eq!(r.header("x-daily-ratelimit-token-remaining"), Some("0"));
    assert_eq!(r.json()["error"], "daily request budget exceeded");
    m.set_faults(Faults {
        success_false_every: Some(1),
        ..Faults::default()
    });
    assert_eq!(
        get(&m, "/api/v2/deals?limit=5", &t).json()["success"],
        false
    );
    m.set_faults(Faults::default());
    assert_eq!(get(&m, "/api/v2/deals?limit=5", &t).body, a.body);
    let faults: Vec<_> = m.requests().iter().filter_map(|r| r.fault).collect();
    assert_eq!(
        faults,
        [
            "status",
            "drop",
            "truncate",
            "burst_429",
            "daily_budget",
            "success_false"
        ]
    );
}

#[test]
fn pagination_misbehaviour_and_burst_limit() {
    let m = MockPipedrive::start(Config::default());
    let t = m.issue_token().access_token;
    m.set_faults(Faults {
        repeat_cursor: true,
        stuck_next_start: true,
        ..Faults::default()
    });
    // The first cursor page is honest; a page asked for with a cursor points back at it.
    let first = get(&m, "/api/v2/deals?limit=5", &t).json();
    let c = first["additional_data"]["next_cursor"].as_str().unwrap();
    let second = get(
        &m,
        &format!("/api/v2/deals?limit=5&cursor={}", urlenc(c)),
        &t,
    )
    .json();
    assert_eq!(second["additional_data"]["next_cursor"], c);
    assert_eq!(second["data"][0]["id"], 6);
    let notes = get(&m, "/api/v1/notes?start=10&limit=5", &t).json();
    assert_eq!(notes["additional_data"]["pagination"]["next_start"], 10);
    assert_eq!(notes["data"][0]["id"], 11);

    m.set_faults(Faults {
        wrong_shape: true,
        ..Faults::default()
    });
    let r = get(&m, "/api/v2/deals?limit=5", &t);
    assert_eq!((r.status, r.json()["success"].as_bool()), (200, Some(true)));
    assert!(r.json()["data"].is_string());

    m.set_faults(Faults {
        burst_limit: Some(3),
        ..Faults::default()
    });
    // A fresh window (the earlier requests may share one): wait it out, then count down.
    std::thread::sleep(Duration::from_millis(2100));
    let answers: Vec<(u16, String)> = (0..4)
        .map(|_| {
            let r = get(&m, "/api/v2/deals?limit=1", &t);
            let left = r.header("x-ratelimit-remaining").unwrap().to_string();
            (r.status, left)
        })
        .collect();
    let want = [(200, "2"), (200, "1"), (200, "0"), (429, "0")];
    assert_eq!(
        answers,
        want.map(|(s, l)| (s, l.to_string())),
        "a window of 3 requests"
    );
    assert_eq!(m.requests().last().unwrap().fault, Some("burst_limit"));
}

#[test]
fn scopes_api_token_touch_and_add() {
    let cfg = Config {
        scopes: vec!["deals:read".into()],
        api_token: Some("tok".into()),
        ..Config::default()
    };
    let m = MockPipedrive::start(cfg);
    let t = m.issue_token().access_token;
    let r = get(&m, "/api/v2/activityFields", &t);
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (403, Some("Scope and URL mismatch"))
    );
    let api = |target: &str| {
        request(
            &m.url(),
            "GET",
            target,
            &[("x-api-token", "tok".into())],
            "",
        )
    };
    assert_eq!(api("/api/v2/activityFields").status, 200);
    assert_eq!(
        request(
            &m.url(),
            "GET",
            "/api/v2/deals",
            &[("x-api-token", "no".into())],
            ""
        )
        .status,
        401
    );
    let since = crate::time::rfc3339(crate::time::now_secs());
    m.touch("deals", &[3, 700]);
    let added = m.add_records("deals", 2);
    let ids = walk_v2(&m, "/api/v2/deals", &format!("&updated_since={since}"), &t);
    assert_eq!(ids, [3, 700, added[0], added[1]]);
    let notes = m.add_records("notes", 1);
    let j = api(&format!("/api/v1/notes?updated_since={}", urlenc(&since))).json();
    assert_eq!(j["data"][0]["id"], notes[0]);
    assert!(matches!(m.requests()[0].auth, AuthKind::Bearer(_)));
}

#[test]
fn concurrency_latency_and_expectations() {
    let m = MockPipedrive::start(Config {
        latency: Duration::from_millis(100),
        ..Config::default()
    });
    let t = m.issue_token().access_token;
    m.expect("GET", "/api/v2/pipelines");
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| assert_eq!(get(&m, "/api/v2/pipelines", &t).status, 200));
        }
    });
    assert_eq!(m.max_in_flight(), 4);
    assert_eq!(m.connections(), 4);
    assert_eq!(m.stats().pages_served, 4);
    m.verify();
    m.expect("GET", "/api/v2/never");
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| m.verify()));
    assert!(r.is_err());
    m.shared.expected.lock().unwrap().clear();
}

#[test]
fn token_answers_can_name_another_api_domain() {
    let m = MockPipedrive::start(Config {
        api_domain: Some("http://example.com".into()),
        ..Config::default()
    });
    let grant = m.issue_token();
    assert_eq!(grant.api_domain, "http://example.com");
    let r = refresh(&m, &grant.refresh_token);
    assert_eq!(r.json()["api_domain"], "http://example.com");
}
