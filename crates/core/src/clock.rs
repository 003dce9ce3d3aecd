//! Explicit clocks and seeded randomness, so library output never depends on when or where it ran.

use chrono::{DateTime, Utc};
use rand::SeedableRng;

/// A source of "now". Library code takes a `&dyn Clock` instead of reading the wall clock, so
/// tests and replays are deterministic.
pub trait Clock: std::fmt::Debug + Send + Sync {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// The system's wall clock. Use it in binaries; pass [`FixedClock`] in tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(
        clippy::disallowed_methods,
        reason = "the one sanctioned wall-clock read"
    )]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that always returns the same instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// The workspace's seeded random number generator (ChaCha8: portable, reproducible across
/// platforms and releases of `rand_chacha`).
pub type SeededRng = rand_chacha::ChaCha8Rng;

/// A reproducible RNG from a seed. Every random choice in aaiti goes through one of these.
#[must_use]
pub fn seeded_rng(seed: u64) -> SeededRng {
    SeededRng::seed_from_u64(seed)
}
