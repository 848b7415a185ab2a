//! The plot data of the last few results opened, kept as sent: a result never changes, so a
//! second look (or another viewer) costs no FFT. One per router (see `lib.rs`), reached by
//! handlers as an `Extension`.

/// The cache.
#[derive(Default)]
pub struct PlotCache {
    entries: std::sync::Mutex<std::collections::VecDeque<(i64, axum::body::Bytes)>>,
}

impl PlotCache {
    /// Results whose plot data is kept.
    const SIZE: usize = 16;

    /// A result's plot data, if kept.
    pub fn get(&self, id: i64) -> Option<axum::body::Bytes> {
        let cache = self.entries.lock().ok()?;
        cache.iter().find(|(k, _)| *k == id).map(|(_, v)| v.clone())
    }

    /// Stores (or, with `None`, forgets) a result's plot data.
    pub fn put(&self, id: i64, body: Option<axum::body::Bytes>) {
        if let Ok(mut cache) = self.entries.lock() {
            cache.retain(|(k, _)| *k != id);
            if let Some(body) = body {
                if cache.len() >= Self::SIZE {
                    cache.pop_front();
                }
                cache.push_back((id, body));
            }
        }
    }
}
