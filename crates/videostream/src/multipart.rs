//! Incremental parser of an upstream `multipart/x-mixed-replace` body (the MJPEG format of IP
//! cameras): bytes go in as they arrive, whole parts come out.
//!
//! Cameras are lax about RFC 2046, so the parser is too: the boundary is found whether the
//! body writes it with the `--` prefix or repeats the header's `--`-prefixed value as is, line
//! ends may be CRLF or LF, and a part's end is taken from its `Content-Length` when it has one
//! and from the next boundary when it has none.

use bytes::{Buf, Bytes, BytesMut};
use memchr::memmem;

/// One part of the stream: normally a JPEG image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The part's `Content-Type`, when it has one.
    pub content_type: Option<String>,
    /// The part's bytes, untouched.
    pub body: Bytes,
}

/// Why the stream cannot be parsed further.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// A part (or the text before the first boundary) is larger than the limit.
    #[error("a part is larger than {limit} bytes (or the boundary {boundary:?} never comes)")]
    TooLarge {
        /// The limit.
        limit: usize,
        /// The boundary looked for.
        boundary: String,
    },
    /// A part's headers are not `Name: value` lines.
    #[error("a part's headers cannot be read: {0}")]
    BadHeaders(String),
}

/// Where the parser is inside the stream.
#[derive(Debug)]
enum State {
    /// Looking for the next boundary line.
    Boundary,
    /// Reading a part's headers, up to the empty line.
    Headers,
    /// Reading a part's body.
    Body {
        len: Option<usize>,
        content_type: Option<String>,
    },
    /// The closing boundary was seen.
    Done,
}

/// The parser; see the module documentation.
#[derive(Debug)]
pub struct Parser {
    finder: memmem::Finder<'static>,
    boundary: String,
    buf: BytesMut,
    state: State,
    /// How far the buffer was searched for the boundary without finding it, so that a body
    /// without `Content-Length` is scanned once, not once per arriving chunk.
    scanned: usize,
    max_part: usize,
}

/// The boundary parameter of a `multipart/x-mixed-replace` content type, or `None` when the
/// content type is something else or has no boundary.
pub fn boundary_of(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';');
    let essence = params.next()?.trim().to_ascii_lowercase();
    if essence != "multipart/x-mixed-replace" {
        return None;
    }
    params.find_map(|p| {
        let (name, value) = p.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let value = value.trim().trim_matches('"');
        (!value.is_empty()).then(|| value.to_owned())
    })
}

impl Parser {
    /// A parser for the given boundary (as in the content type, with or without `--`), failing
    /// on parts larger than `max_part` bytes.
    pub fn new(boundary: &str, max_part: usize) -> Self {
        // `--` and the value without its own leading dashes finds every spelling of the
        // delimiter line: `--b` for `boundary=b`, and `--b` or `----b` for `boundary=--b`.
        let needle = format!("--{}", boundary.trim_start_matches('-'));
        Self {
            finder: memmem::Finder::new(needle.as_bytes()).into_owned(),
            boundary: boundary.to_owned(),
            buf: BytesMut::with_capacity(64 * 1024),
            state: State::Boundary,
            scanned: 0,
            max_part,
        }
    }

    /// Appends bytes received from upstream.
    pub fn push(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// Whether the closing boundary was seen.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// The next whole part, `Ok(None)` when more bytes are needed.
    pub fn next_part(&mut self) -> Result<Option<Part>, ParseError> {
        loop {
            match &mut self.state {
                State::Done => return Ok(None),
                State::Boundary => {
                    let Some(at) = self.find_boundary() else {
                        // Keep only a tail that may hold the start of a boundary.
                        let keep = self.finder.needle().len();
                        if self.buf.len() > keep {
                            self.buf.advance(self.buf.len() - keep);
                        }
                        self.scanned = 0;
                        return Ok(None);
                    };
                    let after = at + self.finder.needle().len();
                    let Some(eol) = memchr::memchr(b'\n', &self.buf[after..]) else {
                        return self.need_more();
                    };
                    let closing = self.buf[after..].starts_with(b"--");
                    self.buf.advance(after + eol + 1);
                    self.scanned = 0;
                    self.state = if closing { State::Done } else { State::Headers };
                }
                State::Headers => {
                    let Some((end, next)) = header_end(&self.buf) else {
                        return self.need_more();
                    };
                    let block = self.buf.split_to(next);
                    let (len, content_type) = parse_headers(&block[..end])?;
                    if let Some(len) = len.filter(|&l| l > self.max_part) {
                        return Err(self.too_large(len));
                    }
                    self.state = State::Body { len, content_type };
                }
                State::Body { len, .. } => {
                    let body = match *len {
                        Some(len) => {
                            if self.buf.len() < len {
                                self.buf.reserve(len - self.buf.len());
                                return Ok(None);
                            }
                            self.buf.split_to(len).freeze()
                        }
                        None => {
                            let Some(at) = self.find_boundary() else {
                                return self.need_more();
                            };
                            let end = body_end(&self.buf[..at]);
                            let body = self.buf.split_to(end).freeze();
                            self.scanned = 0;
                            body
                        }
                    };
                    let content_type = match std::mem::replace(&mut self.state, State::Boundary) {
                        State::Body { content_type, .. } => content_type,
                        _ => None,
                    };
                    return Ok(Some(Part { content_type, body }));
                }
            }
        }
    }

    /// The offset of the next boundary in the buffer, searching only the unsearched part.
    fn find_boundary(&mut self) -> Option<usize> {
        let needle = self.finder.needle().len();
        let from = self.scanned.saturating_sub(needle);
        match self.finder.find(&self.buf[from..]) {
            Some(i) => Some(from + i),
            None => {
                self.scanned = self.buf.len();
                None
            }
        }
    }

    fn need_more(&self) -> Result<Option<Part>, ParseError> {
        if self.buf.len() > self.max_part {
            Err(self.too_large(self.buf.len()))
        } else {
            Ok(None)
        }
    }

    fn too_large(&self, _len: usize) -> ParseError {
        ParseError::TooLarge {
            limit: self.max_part,
            boundary: self.boundary.clone(),
        }
    }
}

/// The end of a header block: `(index of the empty line, index after it)`.
fn header_end(buf: &[u8]) -> Option<(usize, usize)> {
    let mut line_start = 0;
    while let Some(eol) = memchr::memchr(b'\n', &buf[line_start..]) {
        let line = &buf[line_start..line_start + eol];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return Some((line_start, line_start + eol + 1));
        }
        line_start += eol + 1;
    }
    None
}

/// `Content-Length` and `Content-Type` of a header block.
fn parse_headers(block: &[u8]) -> Result<(Option<usize>, Option<String>), ParseError> {
    let text = std::str::from_utf8(block)
        .map_err(|_| ParseError::BadHeaders("they are not UTF-8 text".into()))?;
    let mut len = None;
    let mut content_type = None;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err(ParseError::BadHeaders(format!("line {line:?} has no ':'")));
        };
        let value = value.trim();
        if name.trim().eq_ignore_ascii_case("content-length") {
            len = Some(value.parse::<usize>().map_err(|_| {
                ParseError::BadHeaders(format!("Content-Length {value:?} is not a number"))
            })?);
        } else if name.trim().eq_ignore_ascii_case("content-type") {
            content_type = Some(value.to_owned());
        }
    }
    Ok((len, content_type))
}

/// Where a body without `Content-Length` ends, given the bytes up to the boundary's value:
/// before the delimiter's dashes and the line break in front of them.
fn body_end(before: &[u8]) -> usize {
    let mut end = before.len();
    let mut dashes = 0;
    while end > 0 && before[end - 1] == b'-' && dashes < 2 {
        end -= 1;
        dashes += 1;
    }
    if end > 0 && before[end - 1] == b'\n' {
        end -= 1;
        if end > 0 && before[end - 1] == b'\r' {
            end -= 1;
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(n: u8, len: usize) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        v.extend(std::iter::repeat_n(n, len.saturating_sub(4)));
        v.extend([0xFF, 0xD9]);
        v
    }

    fn stream(boundary_line: &str, frames: &[Vec<u8>], with_len: bool, eol: &str) -> Vec<u8> {
        let mut out = b"preamble text".to_vec();
        out.extend(eol.as_bytes());
        for f in frames {
            out.extend(format!("{boundary_line}{eol}Content-Type: image/jpeg{eol}").as_bytes());
            if with_len {
                out.extend(format!("Content-Length: {}{eol}", f.len()).as_bytes());
            }
            out.extend(eol.as_bytes());
            out.extend(f);
            out.extend(eol.as_bytes());
        }
        out.extend(format!("{boundary_line}--{eol}").as_bytes());
        out
    }

    /// Feeds `input` in chunks of `chunk` bytes and collects the parts.
    fn parse_all(boundary: &str, input: &[u8], chunk: usize) -> Vec<Part> {
        let mut p = Parser::new(boundary, 1 << 20);
        let mut parts = Vec::new();
        for c in input.chunks(chunk) {
            p.push(c);
            while let Some(part) = p.next_part().expect("parse") {
                parts.push(part);
            }
        }
        assert!(p.is_done());
        parts
    }

    #[test]
    fn parses_every_layout_in_any_chunking() {
        let frames = vec![jpeg(1, 1000), jpeg(2, 10), jpeg(3, 5000)];
        for (header_boundary, line) in [("frame", "--frame"), ("--myb", "--myb"), ("--x", "----x")]
        {
            for with_len in [true, false] {
                for eol in ["\r\n", "\n"] {
                    let input = stream(line, &frames, with_len, eol);
                    for chunk in [1, 7, 100, 4096, input.len()] {
                        let parts = parse_all(header_boundary, &input, chunk);
                        let bodies: Vec<_> = parts.iter().map(|p| p.body.to_vec()).collect();
                        assert_eq!(bodies, frames, "{header_boundary} {with_len} {chunk}");
                        assert!(
                            parts
                                .iter()
                                .all(|p| p.content_type.as_deref() == Some("image/jpeg"))
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn reads_the_boundary_parameter() {
        assert_eq!(
            boundary_of("multipart/x-mixed-replace; boundary=frame").as_deref(),
            Some("frame")
        );
        assert_eq!(
            boundary_of("Multipart/X-Mixed-Replace;charset=x; Boundary=\"--a b\"").as_deref(),
            Some("--a b")
        );
        assert_eq!(boundary_of("multipart/x-mixed-replace"), None);
        assert_eq!(boundary_of("text/html; boundary=x"), None);
        assert_eq!(boundary_of("image/jpeg"), None);
    }

    #[test]
    fn rejects_oversized_parts_and_bad_headers() {
        let mut p = Parser::new("b", 100);
        p.push(b"--b\r\nContent-Length: 101\r\n\r\n");
        assert!(matches!(p.next_part(), Err(ParseError::TooLarge { .. })));

        let mut p = Parser::new("b", 100);
        p.push(b"--b\r\n\r\n");
        p.push(&[0u8; 200]);
        assert!(matches!(p.next_part(), Err(ParseError::TooLarge { .. })));

        let mut p = Parser::new("b", 100);
        p.push(b"--b\r\nContent-Length: ten\r\n\r\n");
        assert!(matches!(p.next_part(), Err(ParseError::BadHeaders(_))));

        let mut p = Parser::new("b", 100);
        p.push(b"--b\r\nno colon here\r\n\r\n");
        assert!(matches!(p.next_part(), Err(ParseError::BadHeaders(_))));
    }

    #[test]
    fn garbage_without_a_boundary_does_not_grow_the_buffer() {
        let mut p = Parser::new("frame", 100);
        for _ in 0..1000 {
            p.push(&[b'x'; 50]);
            assert_eq!(p.next_part(), Ok(None));
        }
        p.push(b"--frame\r\nContent-Length: 2\r\n\r\nok\r\n");
        assert_eq!(
            p.next_part().expect("part").map(|p| p.body.to_vec()),
            Some(b"ok".to_vec())
        );
    }
}
