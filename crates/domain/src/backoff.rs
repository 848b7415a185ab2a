//! Exponential back-off shared by every reconnect and retry loop (broker, database, camera).
//!
//! Pure bookkeeping: the delay starts at `initial`, doubles after each failed attempt up to
//! `max`, and goes back to `initial` after a success. The only waiting is [`Backoff::wait`], a
//! timer, so tests drive it under `tokio::time::pause()`.

use std::time::Duration;

/// The delays between attempts of one retry loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    current: Duration,
}

impl Backoff {
    /// Starts at `initial` and doubles up to `max` (`max` below `initial` means `initial`).
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self {
            initial,
            max: max.max(initial),
            current: initial,
        }
    }

    /// The delay the next failure will wait (for logs: "retrying in …").
    pub fn peek(&self) -> Duration {
        self.current
    }

    /// The delay to wait after this failure; the one after it is twice as long, up to `max`.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.current;
        self.current = self.current.saturating_mul(2).min(self.max);
        delay
    }

    /// After a success: the next failure waits `initial` again.
    pub fn reset(&mut self) {
        self.current = self.initial;
    }

    /// Sleeps for [`Backoff::next_delay`]. Cancel-safe in a `select!` (a cancelled wait still
    /// counts as one failure, which only lengthens the next delay).
    pub async fn wait(&mut self) {
        tokio::time::sleep(self.next_delay()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn delays_double_up_to_the_maximum() {
        let mut b = Backoff::new(ms(100), ms(1000));
        let seen: Vec<_> = (0..7).map(|_| b.next_delay()).collect();
        assert_eq!(
            seen,
            [
                ms(100),
                ms(200),
                ms(400),
                ms(800),
                ms(1000),
                ms(1000),
                ms(1000)
            ]
        );
    }

    #[test]
    fn peek_shows_the_next_delay_without_using_it() {
        let mut b = Backoff::new(ms(100), ms(1000));
        assert_eq!(b.peek(), ms(100));
        assert_eq!(b.peek(), ms(100));
        b.next_delay();
        assert_eq!(b.peek(), ms(200));
    }

    #[test]
    fn a_success_starts_over_from_the_initial_delay() {
        let mut b = Backoff::new(ms(250), ms(10_000));
        for _ in 0..10 {
            b.next_delay();
        }
        assert_eq!(b.peek(), ms(10_000));
        b.reset();
        assert_eq!(b.next_delay(), ms(250));
        assert_eq!(b.next_delay(), ms(500));
    }

    #[test]
    fn a_maximum_below_the_initial_delay_keeps_the_initial_delay() {
        let mut b = Backoff::new(ms(500), ms(100));
        assert_eq!(b.next_delay(), ms(500));
        assert_eq!(b.next_delay(), ms(500));
    }

    #[test]
    fn huge_delays_saturate_instead_of_overflowing() {
        let mut b = Backoff::new(Duration::MAX / 2 + ms(1), Duration::MAX);
        b.next_delay();
        assert_eq!(b.next_delay(), Duration::MAX);
    }

    #[tokio::test(start_paused = true)]
    async fn wait_sleeps_each_delay_in_turn() {
        let mut b = Backoff::new(ms(100), ms(300));
        let start = tokio::time::Instant::now();
        let mut waited = Vec::new();
        for _ in 0..4 {
            let before = tokio::time::Instant::now();
            b.wait().await;
            waited.push(before.elapsed());
        }
        assert_eq!(waited, [ms(100), ms(200), ms(300), ms(300)]);
        assert_eq!(start.elapsed(), ms(900));
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_is_not_over_before_its_delay() {
        let mut b = Backoff::new(ms(100), ms(1000));
        b.next_delay();
        // The second failure waits 200 ms: at 199 ms it is still waiting.
        let waiting = tokio::time::timeout(ms(199), b.wait()).await;
        assert!(waiting.is_err(), "the wait ended early");
    }
}
