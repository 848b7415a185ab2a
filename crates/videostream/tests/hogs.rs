//! One client holding a thousand idle sockets on the relay leaves it to everyone else: past its
//! share it gets 429 at once, and the health check and viewers from other addresses are served.

mod common;

use std::time::Duration;

use domain::address_list::AddressList;
use test_support::camera::{CameraOptions, FakeCamera};
use test_support::hogs::{
    get_from, hog, hog_from_loopback, raise_open_file_limit, status_of, wait_served_from,
};
use test_support::ip;

const HOGS: usize = 1030;

#[tokio::test]
async fn a_thousand_idle_sockets_from_one_address_leave_the_relay_to_the_others() {
    raise_open_file_limit(4 * HOGS as u64);
    // Loopback is no proxy here: it has a share like any client.
    let (_db, relay) = common::relay_with(|s| s.proxies = AddressList::default()).await;
    let to = relay.addr();
    let held = hog_from_loopback(to, HOGS).await;
    let other = ip("127.0.0.2");
    assert_eq!(
        get_from(
            other,
            to,
            "/vstream/test-stand/rig1",
            Duration::from_secs(5)
        )
        .await,
        Some(401),
        "another viewer is answered (without a signed link: 401)"
    );
    drop(held);
    let back = "the hog's share to come back";
    wait_served_from(back, ip("127.0.0.1"), to, Duration::from_secs(10)).await;
    relay.stop().await;
}

#[tokio::test]
async fn proxies_many_viewers_come_through_have_no_share() {
    let (_db, relay) = common::relay_with(|s| {
        s.max_per_client = 2;
        s.proxies = AddressList::parse("127.0.0.1").expect("list");
    })
    .await;
    let to = relay.addr();
    // 127.0.0.1 is a proxy (as the native nginx is by default): five connections are served.
    let _held = hog(ip("127.0.0.1"), to, 5, b"").await;
    assert_eq!(
        get_from(ip("127.0.0.1"), to, "/healthz", Duration::from_secs(5)).await,
        Some(200)
    );
    // 127.0.0.2 is not: its third connection is refused.
    let mut two = hog(ip("127.0.0.2"), to, 3, b"").await;
    assert_eq!(
        status_of(&mut two[2], Duration::from_secs(5)).await,
        Some(429)
    );
    relay.stop().await;
}

#[tokio::test]
async fn a_viewer_that_reads_nothing_is_cut_and_gives_its_share_back() {
    let (_db, relay) = common::relay_with(|s| {
        s.max_per_client = 1;
        s.proxies = AddressList::default();
        s.write_timeout = Duration::from_secs(1);
    })
    .await;
    let to = relay.addr();
    // 64 KiB frames at 50 a second fill the socket buffers within seconds.
    let camera = FakeCamera::start(CameraOptions {
        frame_bytes: 64 << 10,
        ..CameraOptions::default()
    })
    .await;
    assert_eq!(relay.install("rig1", &camera.url()).await.status(), 200);
    let request = format!(
        "GET /vstream-direct/test-stand/rig1?{} HTTP/1.1\r\nhost: {to}\r\n\r\n",
        common::link("rig1")
    );
    // The viewer (its own address: the install above used 127.0.0.1's share) takes its
    // address's one share and then never reads.
    let viewer = ip("127.0.0.3");
    let mut stalled = hog(viewer, to, 1, request.as_bytes()).await;
    let mut second = hog(viewer, to, 1, b"").await;
    assert_eq!(
        status_of(&mut second[0], Duration::from_secs(5)).await,
        Some(429),
        "the stalled viewer holds the share"
    );
    let freed = "the stalled viewer to be cut and its share freed";
    wait_served_from(freed, viewer, to, Duration::from_secs(30)).await;
    drop(stalled.pop());
    relay.stop().await;
}
