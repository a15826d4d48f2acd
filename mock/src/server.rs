//! The HTTP/1.1 server: accepts connections (numbering them), reads each request, dispatches
//! it to OAuth, API or `/__mock/stats`, records it, and turns the [`Reply`] into a hyper
//! response — or, for the drop and truncate faults, kills the connection on purpose.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::sync::{oneshot, Notify};

use crate::state::{Reply, Shared};
use crate::{api, oauth, AuthKind, RecordedRequest};

/// A full body, or half of one followed by an error (which makes hyper close the connection).
pub enum MockBody {
    Full(Option<Bytes>),
    Truncated(Option<Bytes>, Pin<Box<tokio::time::Sleep>>),
}

impl Body for MockBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match self.get_mut() {
            MockBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            MockBody::Truncated(b, sleep) => {
                if let Some(b) = b.take() {
                    return Poll::Ready(Some(Ok(Frame::data(b))));
                }
                match sleep.as_mut().poll(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(()) => Poll::Ready(Some(Err(std::io::Error::other(
                        "mock fault: truncated body",
                    )))),
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, MockBody::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            MockBody::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            MockBody::Full(None) => SizeHint::with_exact(0),
            MockBody::Truncated(..) => SizeHint::default(),
        }
    }
}

fn auth_kind(req: &Request<Incoming>) -> AuthKind {
    let h = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok());
    if let Some(a) = h("authorization") {
        if let Some(t) = a.strip_prefix("Bearer ") {
            return AuthKind::Bearer(t.trim().to_string());
        }
        if let Some((user, _)) = oauth::basic_credentials(Some(a)) {
            return AuthKind::Basic(user);
        }
    }
    match h("x-api-token") {
        Some(t) => AuthKind::ApiToken(t.to_string()),
        None => AuthKind::None,
    }
}

fn stats_reply(shared: &Shared) -> Reply {
    let s = shared.stats();
    let body = serde_json::json!({
        "pages_served": s.pages_served,
        "api_requests": s.api_requests,
        "mean_handler_micros": s.mean_handler_micros,
        "handler_millis_total": s.handler_time.as_secs_f64() * 1000.0,
        "connections": s.connections,
        "max_in_flight": s.max_in_flight,
        "refresh_count": s.refresh_count,
    });
    Reply::json(200, serde_json::to_vec(&body).expect("serialize"))
}

async fn dispatch(shared: &Shared, req: Request<Incoming>, conn: u64) -> (Reply, RecordedRequest) {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let params: Vec<(String, String)> = query
        .as_deref()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let auth = auth_kind(&req);
    let auth_header = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let form: Vec<(String, String)> = if method == "POST" {
        url::form_urlencoded::parse(&body).into_owned().collect()
    } else {
        Vec::new()
    };
    let mut fault = None;
    let reply = match (method.as_str(), path.as_str()) {
        ("GET", "/oauth/authorize") => oauth::authorize(shared, &params),
        ("POST", "/oauth/token") => oauth::token(shared, auth_header.as_deref(), &form).await,
        ("POST", "/oauth/revoke") => oauth::revoke(shared, auth_header.as_deref(), &form),
        ("GET", "/__mock/stats") => stats_reply(shared),
        ("GET", _) => {
            let (r, f) = api::handle(shared, &path, &params, &auth).await;
            fault = f.map(|f| f.name());
            r
        }
        _ => crate::state::error_reply(405, "Method not allowed"),
    };
    let rec = RecordedRequest {
        method,
        path,
        query,
        params,
        form,
        auth,
        connection: conn,
        status: reply.status,
        fault,
    };
    (reply, rec)
}

fn to_response(reply: Reply) -> Response<MockBody> {
    let len = reply.body.len();
    let body = if reply.truncate {
        let half = Bytes::from(reply.body).slice(..len / 2);
        MockBody::Truncated(
            Some(half),
            Box::pin(tokio::time::sleep(Duration::from_millis(30))),
        )
    } else {
        MockBody::Full(Some(Bytes::from(reply.body)))
    };
    let mut b = Response::builder()
        .status(reply.status)
        .header("content-type", reply.content_type);
    if reply.truncate {
        b = b.header("content-length", len.to_string());
    }
    for (k, v) in reply.headers {
        b = b.header(k, v);
    }
    b.body(body).expect("valid response")
}

async fn handle(
    shared: Arc<Shared>,
    conn: u64,
    kill: Arc<Notify>,
    req: Request<Incoming>,
) -> Result<Response<MockBody>, Infallible> {
    let (reply, rec) = dispatch(&shared, req, conn).await;
    shared.recorded.lock().unwrap().push(rec);
    if reply.drop {
        kill.notify_one();
        std::future::pending::<()>().await;
    }
    Ok(to_response(reply))
}

/// Accepts connections until `shutdown` fires.
pub async fn serve(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            a = listener.accept() => a,
        };
        let Ok((stream, _)) = accepted else {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let conn = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
        let kill = Arc::new(Notify::new());
        let sh = shared.clone();
        tokio::spawn(async move {
            let k = kill.clone();
            let svc =
                hyper::service::service_fn(move |req| handle(sh.clone(), conn, k.clone(), req));
            let http = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = http => {}
                _ = kill.notified() => {}
            }
        });
    }
}
