//! What the API client is waiting for right now (a rate limit, a backoff), so the progress display
//! can say why nothing moves. The client writes it before sleeping; readers only look.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Shared between the client and whoever displays progress; cheap to clone.
#[derive(Clone, Debug, Default)]
pub(crate) struct WaitStatus(Arc<Mutex<Option<Waiting>>>);

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Waiting {
    /// Why, in a few words: "rate limited by Pipedrive", "server error 502".
    pub(crate) why: String,
    /// True for a rate limit (429 or a spent burst budget), false for a retry backoff.
    pub(crate) rate_limited: bool,
    pub(crate) until: Instant,
}

impl WaitStatus {
    /// Records the wait, then sleeps it. Concurrent waits keep the one that ends last; a wait
    /// that is over (or was cancelled) needs no clearing, since `current` ignores it.
    pub(crate) async fn sleep(&self, why: &str, rate_limited: bool, wait: Duration) {
        let until = Instant::now() + wait;
        {
            let mut now = self.0.lock().unwrap_or_else(|p| p.into_inner());
            if now.as_ref().is_none_or(|w| w.until <= until) {
                *now = Some(Waiting {
                    why: why.to_string(),
                    rate_limited,
                    until,
                });
            }
        }
        tokio::time::sleep(wait).await;
    }

    /// The wait in progress, if any.
    pub(crate) fn current(&self) -> Option<Waiting> {
        let now = self.0.lock().unwrap_or_else(|p| p.into_inner());
        now.clone().filter(|w| w.until > Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_wait_shows_while_it_lasts() {
        let status = WaitStatus::default();
        assert_eq!(status.current(), None);
        let s = status.clone();
        let task = tokio::spawn(async move {
            s.sleep("rate limited", true, Duration::from_millis(300))
                .await
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let w = status.current().expect("waiting");
        assert!(w.rate_limited);
        assert_eq!(w.why, "rate limited");
        task.await.unwrap();
        assert_eq!(status.current(), None);
    }
}
