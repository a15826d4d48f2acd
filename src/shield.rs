//! Work that a signal must not cut in half.
//!
//! Once the OAuth server has rotated a refresh token, the new one exists only in this process
//! until it is stored. `run` cancels the command when Ctrl-C or SIGTERM arrives, which would drop
//! a refresh-and-save half way and lose the login. Such steps run through [`shielded`]: as a task
//! of their own, so cancelling the command does not cancel them, and counted, so `run` can wait
//! for them with [`settle`] before the process exits. Clean-up that a cancelled command starts
//! from a `Drop` (handing the leases of `export all --every-account` back to the round) goes
//! through [`spawn`] and is waited for the same way.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use tokio::sync::watch;

use crate::error::{Error, Result};

/// How many shielded steps are running.
fn running() -> &'static watch::Sender<usize> {
    static RUNNING: OnceLock<watch::Sender<usize>> = OnceLock::new();
    RUNNING.get_or_init(|| watch::channel(0).0)
}

/// Counts one step while alive, so a panic in the step still ends the wait for it.
struct Running;

impl Running {
    fn start() -> Running {
        running().send_modify(|n| *n += 1);
        Running
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        running().send_modify(|n| *n -= 1);
    }
}

/// Runs `step` to completion even if the caller is cancelled meanwhile.
pub(crate) async fn shielded<T: Send + 'static>(
    step: impl Future<Output = Result<T>> + Send + 'static,
) -> Result<T> {
    let guard = Running::start();
    let task = tokio::spawn(async move {
        let _guard = guard;
        step.await
    });
    task.await
        .map_err(|e| Error::other(format!("a token step failed: {e}")))?
}

/// Starts `step` at once as a shielded task of its own, from synchronous code (a `Drop` of a
/// value that a cancelled command leaves behind): it is counted before this returns, so a
/// [`settle`] that follows waits for it. Outside a runtime (nothing could run it) it does nothing.
pub(crate) fn spawn(step: impl Future<Output = ()> + Send + 'static) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let guard = Running::start();
    runtime.spawn(async move {
        let _guard = guard;
        step.await
    });
}

/// Whether a shielded step is running now.
pub(crate) fn busy() -> bool {
    *running().borrow() > 0
}

/// Waits until no shielded step runs (or `limit` passes, for a step stuck beyond its own
/// timeouts).
pub(crate) async fn settle(limit: Duration) {
    let mut rx = running().subscribe();
    let _ = tokio::time::timeout(limit, rx.wait_for(|n| *n == 0)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_cancelled_caller_does_not_cancel_the_step() {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let caller = tokio::spawn(shielded(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let _ = tx.send(());
            Ok(())
        }));
        tokio::time::sleep(Duration::from_millis(10)).await;
        caller.abort();
        assert!(busy());
        settle(Duration::from_secs(10)).await;
        assert!(!busy());
        assert!(rx.await.is_ok(), "the step ran to its end");
    }
}
