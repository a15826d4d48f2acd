//! A cursor that never ends: every v2 list page is empty yet names a new `next_cursor`, as a
//! broken or hostile server might. A client must stop after a sane number of such pages.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::state::Reply;

static NEXT: AtomicU64 = AtomicU64::new(1);

/// Replaces a v2 list page (or the 400 its made-up cursor earns) with an empty one that points
/// to a fresh cursor.
pub fn empty_page(path: &str, reply: Reply) -> Reply {
    if !matches!(reply.status, 200 | 400)
        || !path.starts_with("/api/v2/")
        || path.ends_with("Fields")
    {
        return reply;
    }
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let body = format!(
        r#"{{"success":true,"data":[],"additional_data":{{"next_cursor":"endless-{n}"}}}}"#
    );
    Reply {
        status: 200,
        body: body.into_bytes(),
        ..reply
    }
}
