//! The one place where test time differs from real time.
//!
//! Waits a server names (a 429's `retry-after`, a spent burst window), our retry backoffs and the
//! lifetime of an every-account lease are *named* waits: what `--max-wait` checks and what the
//! messages show. In use they last as long as they say. The integration tests set the hidden
//! `PIPEDRIVE_TEST_TIME_SCALE` (0.01, say) so that those waits pass in a fraction of real time
//! while every check and message still sees the full length. Spacing to the burst limit is not
//! a named wait: the mock's window is real time, so it keeps its real length.

use std::time::Duration;

/// The variable the integration tests set; undocumented for users.
const SCALE_VARIABLE: &str = "PIPEDRIVE_TEST_TIME_SCALE";

/// The shortest scale: a named wait of an hour still lasts 3.6 s, and turning a real span back
/// into a named one never divides by zero.
const SHORTEST_SCALE: f64 = 1e-3;

/// How named waits map onto real time. `Clock::default()` is real time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Clock {
    /// Real time per unit of named time: 1 in use, between [`SHORTEST_SCALE`] and 1 in tests.
    scale: f64,
}

impl Default for Clock {
    fn default() -> Clock {
        Clock { scale: 1.0 }
    }
}

impl Clock {
    /// The clock the environment asks for: real time unless `PIPEDRIVE_TEST_TIME_SCALE` is a
    /// number from 0 to below 1.
    pub(crate) fn from_env() -> Clock {
        std::env::var(SCALE_VARIABLE)
            .ok()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map_or_else(Clock::default, Clock::scaled)
    }

    /// A clock on which named waits last `scale` of their length (clamped to the range above;
    /// anything not a number is real time).
    pub(crate) fn scaled(scale: f64) -> Clock {
        let scale = if scale.is_nan() { 1.0 } else { scale };
        Clock {
            scale: scale.clamp(SHORTEST_SCALE, 1.0),
        }
    }

    /// How long a named wait lasts in real time (saturating).
    pub(crate) fn real(self, named: Duration) -> Duration {
        if self.scale >= 1.0 {
            return named;
        }
        Duration::try_from_secs_f64(named.as_secs_f64() * self.scale).unwrap_or(Duration::MAX)
    }

    /// The named wait that lasts `real` in real time (saturating): what is left of a pause,
    /// reported at the length the server gave it.
    pub(crate) fn named(self, real: Duration) -> Duration {
        if self.scale >= 1.0 {
            return real;
        }
        Duration::try_from_secs_f64(real.as_secs_f64() / self.scale).unwrap_or(Duration::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_waits_shrink_by_the_scale_and_read_back_whole() {
        let test = Clock::scaled(0.01);
        assert_eq!(test.real(Duration::from_secs(3)), Duration::from_millis(30));
        assert_eq!(
            test.named(Duration::from_millis(30)),
            Duration::from_secs(3)
        );
        // An absurd wait saturates instead of panicking.
        assert!(test.real(Duration::MAX) > Duration::from_secs(86_400 * 365 * 1000));
        assert_eq!(test.named(Duration::MAX), Duration::MAX);
        let real = Clock::default();
        assert_eq!(real.real(Duration::from_secs(3)), Duration::from_secs(3));
        assert_eq!(Clock::scaled(7.0), real, "never slower than real time");
        assert_eq!(Clock::scaled(f64::NAN), real);
        assert_eq!(
            Clock::scaled(0.0).real(Duration::from_secs(1)),
            Duration::from_millis(1)
        );
    }
}
