//! The plot data of the last few results opened, kept as sent: a result never changes, so a
//! second look (or another viewer) costs no FFT. One per router (see `lib.rs`), reached by
//! handlers as an `Extension`. Bounded by entries and by bytes (a result's plot data grows
//! with its number of series), the oldest forgotten first.

/// The cache.
pub struct PlotCache {
    entries: std::sync::Mutex<std::collections::VecDeque<(i64, axum::body::Bytes)>>,
    budget: usize,
}

impl Default for PlotCache {
    fn default() -> Self {
        Self::with_budget(Self::BYTES)
    }
}

impl PlotCache {
    /// Results whose plot data is kept.
    const SIZE: usize = 16;
    /// Bytes of plot data kept, at most.
    pub const BYTES: usize = 32 * 1024 * 1024;

    /// A cache keeping at most `budget` bytes (and [`Self::SIZE`] entries).
    pub fn with_budget(budget: usize) -> Self {
        Self {
            entries: std::sync::Mutex::default(),
            budget,
        }
    }

    /// Bytes held now.
    pub fn bytes(&self) -> usize {
        self.entries
            .lock()
            .map(|c| c.iter().map(|(_, v)| v.len()).sum())
            .unwrap_or(0)
    }

    /// A result's plot data, if kept.
    pub fn get(&self, id: i64) -> Option<axum::body::Bytes> {
        let cache = self.entries.lock().ok()?;
        cache.iter().find(|(k, _)| *k == id).map(|(_, v)| v.clone())
    }

    /// Stores (or, with `None`, forgets) a result's plot data.
    pub fn put(&self, id: i64, body: Option<axum::body::Bytes>) {
        if let Ok(mut cache) = self.entries.lock() {
            cache.retain(|(k, _)| *k != id);
            let Some(body) = body.filter(|b| b.len() <= self.budget) else {
                return;
            };
            let mut held: usize = cache.iter().map(|(_, v)| v.len()).sum();
            while cache.len() >= Self::SIZE || held + body.len() > self.budget {
                let Some((_, old)) = cache.pop_front() else {
                    break;
                };
                held -= old.len();
            }
            cache.push_back((id, body));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_is_bounded_by_bytes_oldest_forgotten_first() {
        let cache = PlotCache::with_budget(100);
        let body = |n: usize| Some(axum::body::Bytes::from(vec![0u8; n]));
        cache.put(1, body(40));
        cache.put(2, body(40));
        cache.put(3, body(40));
        assert!(cache.get(1).is_none(), "the oldest is forgotten");
        assert!(cache.get(2).is_some() && cache.get(3).is_some());
        assert_eq!(cache.bytes(), 80);
        cache.put(4, body(101));
        assert!(
            cache.get(4).is_none(),
            "larger than the whole budget: not kept"
        );
        assert_eq!(cache.bytes(), 80);
        for id in 10..40 {
            cache.put(id, body(1));
        }
        assert!(cache.bytes() <= 100);
        assert!(cache.get(39).is_some());
    }
}
