//! What a feed publishes: the frames, ready to send, and the feed's state.
//!
//! The upstream connection ([`crate::upstream`]) writes these into a `watch` channel and the
//! hub ([`crate::hub`]) hands them to viewers; this module belongs to neither, so neither
//! imports the other to exchange them.

use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};

use crate::multipart;

/// The boundary of the stream sent to viewers.
pub const BOUNDARY: &str = "frame";

/// A frame, ready to send: the multipart delimiter, headers, the JPEG bytes and the line end.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Counts frames of the feed from 1.
    pub seq: u64,
    /// The whole part as sent to viewers; cloning it shares the bytes.
    pub part: Bytes,
}

impl Frame {
    pub(crate) fn new(seq: u64, content_type: &'static str, part: multipart::Part) -> Self {
        let head = format!(
            "--{BOUNDARY}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            part.body.len()
        );
        let mut buf = BytesMut::with_capacity(head.len() + part.body.len() + 2);
        buf.put_slice(head.as_bytes());
        buf.put_slice(&part.body);
        buf.put_slice(b"\r\n");
        Self {
            seq,
            part: buf.freeze(),
        }
    }
}

/// What a feed is doing, as its viewers see it.
#[derive(Debug, Clone)]
pub enum FeedState {
    /// Opening the upstream connection.
    Connecting,
    /// The newest frame.
    Live(Frame),
    /// The camera cannot be read; the feed retries after a back-off.
    Down(Arc<str>),
}
