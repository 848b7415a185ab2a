//! Shares per key: at most so many of a thing held at once by one client (connections of a
//! TCP peer, live streams of a user), so one client hogging its share leaves the rest to
//! everybody else. The services' listeners and the web's live updates use it.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The answer to a TCP client over its share of connections: 429, then the connection closes.
const OVER_SHARE: &[u8] = b"HTTP/1.1 429 Too Many Requests\r\nconnection: close\r\n\
content-type: text/plain; charset=utf-8\r\nretry-after: 10\r\ncontent-length: 71\r\n\r\n\
too many connections from your address; close some and try again later\n";

/// Answers an HTTP client over its share of connections with 429 (within a second) and closes
/// the connection: the web interface's and the video relay's listeners.
pub async fn refuse_over_share(mut stream: tokio::net::TcpStream) {
    use tokio::io::AsyncWriteExt;
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(OVER_SHARE).await?;
        stream.shutdown().await
    })
    .await;
}

/// At most `max` slots held per key at once.
#[derive(Debug)]
pub struct PerKey<K: Eq + Hash> {
    max: usize,
    held: Arc<Mutex<HashMap<K, usize>>>,
}

impl<K: Eq + Hash + Clone> PerKey<K> {
    /// A share of `max` per key (0 is taken as 1).
    pub fn new(max: usize) -> Self {
        Self {
            max: max.max(1),
            held: Arc::default(),
        }
    }

    /// The share per key.
    pub fn max(&self) -> usize {
        self.max
    }

    /// A slot for `key`, or `None` when `key` holds its whole share. The slot is given back
    /// when dropped.
    pub fn take(&self, key: K) -> Option<Slot<K>> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let n = held.entry(key.clone()).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(Slot {
            key: Some(key),
            held: Arc::clone(&self.held),
        })
    }

    /// How many slots `key` holds now.
    pub fn held(&self, key: &K) -> usize {
        let held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.get(key).copied().unwrap_or(0)
    }
}

/// One slot of a [`PerKey`] share, given back on drop.
#[derive(Debug)]
pub struct Slot<K: Eq + Hash> {
    key: Option<K>,
    held: Arc<Mutex<HashMap<K, usize>>>,
}

impl<K: Eq + Hash> Drop for Slot<K> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = held.get_mut(&key) {
            *n -= 1;
            // Forgotten when free, so the map holds only the clients connected now.
            if *n == 0 {
                held.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_has_its_own_share_and_slots_come_back() {
        let shares = PerKey::new(2);
        let a1 = shares.take("a").expect("a slot");
        let _a2 = shares.take("a").expect("a slot");
        assert!(shares.take("a").is_none(), "a third slot for a");
        let _b = shares.take("b").expect("b is not held up by a");
        drop(a1);
        assert_eq!(shares.held(&"a"), 1);
        assert!(shares.take("a").is_some());
        drop(_b);
        assert!(
            shares.held.lock().expect("lock").get("b").is_none(),
            "free keys are forgotten"
        );
    }
}
