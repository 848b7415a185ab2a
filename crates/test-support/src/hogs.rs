//! One client hogging a server: many connections from one address, for the tests that show
//! the others (another address, another user) are still served.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// Raises this process's soft limit of open files to at least `want` (up to the hard limit),
/// for a test that holds a thousand sockets on a machine whose default soft limit is 1,024.
/// Panics when the hard limit is below `want`.
pub fn raise_open_file_limit(want: u64) {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).expect("getrlimit");
    assert!(
        hard >= want,
        "this test needs {want} open files and the hard limit is {hard} (raise it: ulimit -Hn)"
    );
    if soft < want {
        setrlimit(Resource::RLIMIT_NOFILE, hard.min(want.max(soft)), hard).expect("setrlimit");
    }
}

/// A TCP connection to `to` from the loopback address `from` (e.g. 127.0.0.2: another
/// client, as far as the server can tell).
pub async fn connect_from(from: IpAddr, to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = match from {
        IpAddr::V4(_) => TcpSocket::new_v4()?,
        IpAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.bind(SocketAddr::new(from, 0))?;
    socket.connect(to).await
}

/// `n` connections to `to` from `from`, each having sent `request` (nothing when empty). The
/// ones the server refused are still returned (read them with [`status_of`]).
pub async fn hog(from: IpAddr, to: SocketAddr, n: usize, request: &[u8]) -> Vec<TcpStream> {
    let mut held = Vec::with_capacity(n);
    for _ in 0..n {
        let mut s = connect_from(from, to).await.expect("a hog's connection");
        if !request.is_empty() {
            // A refused one may be closed already; its answer is still there to read.
            let _ = s.write_all(request).await;
        }
        held.push(s);
    }
    held
}

/// The status code the server answered on `s` within `limit` (`None`: no answer, or closed
/// without one).
pub async fn status_of(s: &mut TcpStream, limit: Duration) -> Option<u16> {
    let mut buf = [0u8; 12];
    let mut got = 0;
    let read = tokio::time::timeout(limit, async {
        while got < buf.len() {
            match s.read(&mut buf[got..]).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n,
            }
        }
    });
    let _ = read.await;
    let head = std::str::from_utf8(&buf[..got]).ok()?;
    head.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

/// A one-request HTTP/1.1 exchange on a fresh connection from `from`: the status code, or
/// `None` when nothing answered within `limit`.
pub async fn get_from(from: IpAddr, to: SocketAddr, path: &str, limit: Duration) -> Option<u16> {
    let exchange = async {
        let mut s = connect_from(from, to).await.ok()?;
        let req = format!("GET {path} HTTP/1.1\r\nhost: {to}\r\nconnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await.ok()?;
        status_of(&mut s, limit).await
    };
    tokio::time::timeout(limit, exchange).await.ok().flatten()
}

/// 127.0.0.1 holds `n` idle connections to `to`: the last one is answered 429 at once, and
/// `/healthz` from 127.0.0.2 (another client) is 200 meanwhile. The held connections, to keep
/// open while the test checks more of what the others get.
pub async fn hog_from_loopback(to: SocketAddr, n: usize) -> Vec<TcpStream> {
    let mut held = hog(IpAddr::from([127, 0, 0, 1]), to, n, b"").await;
    let last = held.last_mut().expect("a socket");
    assert_eq!(
        status_of(last, Duration::from_secs(5)).await,
        Some(429),
        "a connection past the client's share is answered 429 at once"
    );
    assert_eq!(
        get_from(
            IpAddr::from([127, 0, 0, 2]),
            to,
            "/healthz",
            Duration::from_secs(5)
        )
        .await,
        Some(200),
        "/healthz from another address while one holds {n} sockets"
    );
    held
}

/// Waits up to `limit` until `/healthz` on `to` answers 200 to a connection from `from`: that
/// client's share came back (`what` names the wait in a failure).
pub async fn wait_served_from(what: &str, from: IpAddr, to: SocketAddr, limit: Duration) {
    crate::wait_for(what, limit, || async {
        (get_from(from, to, "/healthz", Duration::from_secs(2)).await == Some(200)).then_some(())
    })
    .await;
}
