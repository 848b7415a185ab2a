//! One client hogging the web interface — a thousand idle sockets from one address, a
//! thousand live streams from one viewer token — leaves health checks, other people's logins
//! and their live streams served.

mod common;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use common::{App, PASSWORD};
use domain::store::users::Role;
use test_support::hogs::{get_from, hog, hog_from_loopback, raise_open_file_limit, status_of};
use test_support::ip;
use webinterface::config::AddressList;

const HOGS: usize = 1030;

fn address(app: &App) -> SocketAddr {
    app.base
        .trim_start_matches("http://")
        .parse()
        .expect("address")
}

/// Waits (10 s at most) until `status` gives 200; `what` names what should come back.
async fn until_200<F, Fut>(what: &str, mut status: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<u16>>,
{
    test_support::wait_for(what, Duration::from_secs(10), || {
        let asked = status();
        async move { (asked.await == Some(200)).then_some(()) }
    })
    .await;
}

/// Logs `name` in from `from`; the status of the login form's answer.
async fn login_from(app: &App, from: IpAddr, name: &str) -> u16 {
    let client = reqwest::Client::builder()
        .local_address(from)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let form = common::login_request(
        &client,
        &app.url("/login"),
        &[("username", name), ("password", PASSWORD)],
    )
    .await;
    form.send().await.expect("login").status().as_u16()
}

#[tokio::test]
async fn a_thousand_idle_sockets_from_one_address_leave_health_and_logins_to_the_others() {
    raise_open_file_limit(4 * HOGS as u64);
    // Loopback is not a trusted proxy here, so it has a share like any client.
    let app = App::start_with(|c| c.trusted_proxies = AddressList::default()).await;
    app.user("other", Role::Viewer).await;
    let to = address(&app);
    let held = hog_from_loopback(to, HOGS).await;
    let other = ip("127.0.0.2");
    assert_eq!(
        login_from(&app, other, "other").await,
        303,
        "another user's login"
    );

    drop(held);
    until_200("the hog's share to come back", || {
        get_from(ip("127.0.0.1"), to, "/healthz", Duration::from_secs(2))
    })
    .await;
}

#[tokio::test]
async fn a_thousand_live_streams_of_one_token_leave_health_logins_and_other_streams() {
    raise_open_file_limit(4 * HOGS as u64);
    // The share per address is out of the way: this is about the streams per user.
    let app = App::start_with(|c| c.server.max_per_client = 10 * HOGS).await;
    let token = app.token("hog", Role::Viewer).await;
    let other_token = app.token("other", Role::Viewer).await;
    let to = address(&app);
    let request = |token: &str| {
        format!("GET /events HTTP/1.1\r\nhost: {to}\r\nauthorization: Bearer {token}\r\n\r\n")
    };
    let mut held = hog(ip("127.0.0.1"), to, HOGS, request(&token).as_bytes()).await;

    let mut statuses = std::collections::BTreeMap::new();
    for s in &mut held {
        let status = status_of(s, Duration::from_secs(10)).await;
        *statuses.entry(status).or_insert(0) += 1;
    }
    let max = app.state.config().max_streams_per_user;
    assert_eq!(
        statuses,
        [(Some(200), max), (Some(429), HOGS - max)].into(),
        "{max} streams for the token, 429 for the rest"
    );
    assert_eq!(
        get_from(ip("127.0.0.1"), to, "/healthz", Duration::from_secs(5)).await,
        Some(200),
        "/healthz while one token holds its streams"
    );
    app.user("someone", Role::Viewer).await;
    assert_eq!(login_from(&app, ip("127.0.0.1"), "someone").await, 303);
    let mut others = hog(ip("127.0.0.1"), to, 1, request(&other_token).as_bytes()).await;
    assert_eq!(
        status_of(&mut others[0], Duration::from_secs(5)).await,
        Some(200),
        "another user's live stream"
    );

    // Streams that end give their place back.
    held.clear();
    until_200("a stream of the token again", || async {
        let mut s = hog(ip("127.0.0.1"), to, 1, request(&token).as_bytes()).await;
        status_of(&mut s[0], Duration::from_secs(2)).await
    })
    .await;
}
