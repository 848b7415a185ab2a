//! A fake MJPEG camera over real HTTP: serves `multipart/x-mixed-replace` frames at a set rate,
//! counts its connections, and can be stopped and started again on the same port.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// How the fake camera behaves.
#[derive(Debug, Clone)]
pub struct CameraOptions {
    /// Size of each frame in bytes (at least 12).
    pub frame_bytes: usize,
    /// Frames per second sent on each connection.
    pub fps: f64,
    /// Whether parts carry a `Content-Length` header.
    pub content_length: bool,
    /// The boundary in the response's content type.
    pub boundary: String,
    /// The delimiter line written before each part (normally `--` + boundary).
    pub delimiter: String,
    /// The response's `Content-Type`; `None` for the MJPEG one.
    pub content_type: Option<String>,
}

impl Default for CameraOptions {
    fn default() -> Self {
        Self {
            frame_bytes: 2000,
            fps: 50.0,
            content_length: true,
            boundary: "myboundary".into(),
            delimiter: "--myboundary".into(),
            content_type: None,
        }
    }
}

/// What the camera saw.
#[derive(Default)]
struct Stats {
    connections: AtomicUsize,
    frames: AtomicU64,
}

/// The fake camera; stops when dropped.
pub struct FakeCamera {
    port: u16,
    options: Arc<CameraOptions>,
    stats: Arc<Stats>,
    active: Arc<watch::Sender<usize>>,
    task: Option<JoinHandle<()>>,
}

impl FakeCamera {
    /// Starts a camera on a free port of 127.0.0.1.
    pub async fn start(options: CameraOptions) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake camera");
        let port = listener.local_addr().expect("local address").port();
        let mut camera = Self {
            port,
            options: Arc::new(options),
            stats: Arc::default(),
            active: Arc::new(watch::channel(0).0),
            task: None,
        };
        camera.serve(listener);
        camera
    }

    fn serve(&mut self, listener: TcpListener) {
        let options = self.options.clone();
        let stats = self.stats.clone();
        let active = self.active.clone();
        self.task = Some(tokio::spawn(async move {
            // Owned here, so aborting this task closes every connection too.
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((socket, _)) = accepted else { continue };
                        connections.spawn(serve_one(
                            socket,
                            options.clone(),
                            stats.clone(),
                            active.clone(),
                        ));
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        }));
    }

    /// The stream's URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/video.mjpg", self.port)
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Connections accepted since the start (over restarts).
    pub fn connections(&self) -> usize {
        self.stats.connections.load(Ordering::SeqCst)
    }

    /// Frames made since the start, over all connections; frame numbers count from 1 across
    /// connections and restarts.
    pub fn frames_sent(&self) -> u64 {
        self.stats.frames.load(Ordering::SeqCst)
    }

    /// Connections open now.
    pub fn active(&self) -> usize {
        *self.active.borrow()
    }

    /// Waits until exactly `n` connections are open.
    pub async fn wait_active(&self, n: usize) {
        let mut rx = self.active.subscribe();
        rx.wait_for(|&a| a == n)
            .await
            .expect("the camera's counter lives as long as the camera");
    }

    /// Stops listening and drops every connection, like a camera losing power.
    pub async fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
            // The connections' tasks are aborted with it; wait until they are gone.
            self.wait_active(0).await;
        }
    }

    /// Listens again on the same port.
    pub async fn start_again(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("bind the fake camera's port again");
        self.serve(listener);
    }
}

impl Drop for FakeCamera {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Counts an open connection for as long as it lives (also when its task is aborted).
struct Open(Arc<watch::Sender<usize>>);

impl Open {
    fn new(active: Arc<watch::Sender<usize>>) -> Self {
        active.send_modify(|a| *a += 1);
        Self(active)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.send_modify(|a| *a -= 1);
    }
}

/// A JPEG-looking frame: SOI marker, the frame number, filler, EOI marker.
pub fn frame_bytes(seq: u64, len: usize) -> Vec<u8> {
    let len = len.max(12);
    let mut v = Vec::with_capacity(len);
    v.extend([0xFF, 0xD8]);
    v.extend(seq.to_be_bytes());
    v.resize(len - 2, 0xA5);
    v.extend([0xFF, 0xD9]);
    v
}

/// The frame number written by [`frame_bytes`], if `frame` is one.
pub fn frame_seq(frame: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = frame.get(2..10)?.try_into().ok()?;
    (frame.starts_with(&[0xFF, 0xD8]) && frame.ends_with(&[0xFF, 0xD9]))
        .then(|| u64::from_be_bytes(bytes))
}

async fn serve_one(
    mut socket: TcpStream,
    options: Arc<CameraOptions>,
    stats: Arc<Stats>,
    active: Arc<watch::Sender<usize>>,
) {
    // Read the request head; its content does not matter.
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > 64 * 1024 {
            return;
        }
    }
    stats.connections.fetch_add(1, Ordering::SeqCst);
    let _open = Open::new(active);
    let content_type = options
        .content_type
        .clone()
        .unwrap_or_else(|| format!("multipart/x-mixed-replace; boundary={}", options.boundary));
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nCache-Control: no-cache\r\n\
         Connection: close\r\n\r\n"
    );
    if socket.write_all(response.as_bytes()).await.is_err() {
        return;
    }
    let period = Duration::from_secs_f64(1.0 / options.fps.max(0.001));
    // The first frame comes one period after the response head, like a camera's shutter.
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        // Numbered over all connections and restarts, so a test can tell old frames from new.
        let seq = stats.frames.fetch_add(1, Ordering::SeqCst) + 1;
        let frame = frame_bytes(seq, options.frame_bytes);
        let mut part = format!("{}\r\nContent-Type: image/jpeg\r\n", options.delimiter);
        if options.content_length {
            part.push_str(&format!("Content-Length: {}\r\n", frame.len()));
        }
        part.push_str("\r\n");
        let mut bytes = part.into_bytes();
        bytes.extend_from_slice(&frame);
        bytes.extend_from_slice(b"\r\n");
        if socket.write_all(&bytes).await.is_err() {
            return;
        }
    }
}
