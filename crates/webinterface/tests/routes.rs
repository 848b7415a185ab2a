//! The role × route matrix, generated from the router's own route table: every route, asked by
//! nobody, a viewer, an operator and an admin, refuses exactly those below its least role (a
//! login redirect or 401 for nobody, 403 for a logged-in user) and lets the others through.
//! A route added outside the table builder fails `routes_are_only_added_through_the_table`.

mod common;

use common::App;
use domain::store::users::Role;
use reqwest::StatusCode;
use webinterface::{Kind, RouteInfo};

/// The path with its placeholders filled by ids that exist nowhere, so nothing is changed.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| match seg {
            "{*rest}" => "nothing",
            "{position}" => "0",
            s if s.starts_with('{') => "999999",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn is_login_redirect(r: &reqwest::Response) -> bool {
    r.status() == StatusCode::SEE_OTHER
        && r.headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .is_some_and(|l| l.starts_with("/login?next="))
}

#[tokio::test]
async fn every_route_refuses_and_allows_by_role() {
    let app = App::start().await;
    let team = app.team().await;
    let c = app.client();
    let table = webinterface::route_table();
    assert!(table.len() > 40, "the table lists {} routes", table.len());
    for RouteInfo {
        method,
        path,
        least,
        kind,
    } in &table
    {
        let url = app.url(&concrete(path));
        let what = format!("{method} {path}");
        for (role, token) in [
            (None, None),
            (Some(Role::Viewer), Some(&team.vic.token)),
            (Some(Role::Operator), Some(&team.olga.token)),
            (Some(Role::Admin), Some(&team.ada.token)),
        ] {
            let mut req = c.request(method.clone(), &url);
            if matches!(kind, Kind::Page) {
                // A browser's navigation (a script, taking no HTML, gets 401: see below).
                req = req.header("accept", "text/html,application/xhtml+xml,*/*;q=0.8");
            }
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let r = req.send().await.expect("send");
            let status = r.status();
            let who = role.map_or("nobody", |r: Role| r.as_str());
            assert_ne!(
                status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{what} is in the table but not routed"
            );
            let allowed = match (least, role) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(need), Some(have)) => have >= *need,
            };
            if allowed {
                assert!(
                    status != StatusCode::UNAUTHORIZED && !is_login_redirect(&r),
                    "{who} should pass {what}: {status}"
                );
                // (Bodies only of refusals: `/events` streams without end.)
                if status == StatusCode::FORBIDDEN {
                    // Only the login form's own CSRF cookie may refuse here (none was sent).
                    let body = r.text().await.expect("body");
                    assert!(body.contains("CSRF"), "{who} refused on {what}: {body}");
                } else if status == StatusCode::NOT_FOUND {
                    // Our 404s say what is missing; the router's own (no such route) is empty.
                    let body = r.text().await.expect("body");
                    assert!(!body.is_empty(), "{what} answered the router's empty 404");
                }
            } else if role.is_none() {
                match kind {
                    Kind::Page => {
                        assert!(is_login_redirect(&r), "{what} for nobody: {status}");
                        let script = c.request(method.clone(), &url).send().await.expect("send");
                        assert_eq!(
                            script.status(),
                            StatusCode::UNAUTHORIZED,
                            "{what} for a script without a login"
                        );
                        assert_eq!(script.headers()["www-authenticate"], "Bearer", "{what}");
                    }
                    Kind::Api => {
                        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what} for nobody");
                        let ct = r.headers()["content-type"].to_str().expect("ct").to_owned();
                        assert!(ct.starts_with("application/json"), "{what}: {ct}");
                    }
                }
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{who} on {what}");
                let ct = r.headers()["content-type"].to_str().expect("ct").to_owned();
                let want = match kind {
                    Kind::Page => "text/html",
                    Kind::Api => "application/json",
                };
                assert!(ct.starts_with(want), "{who} on {what}: {ct}");
                let body = r.text().await.expect("body");
                assert!(body.contains("may not do this"), "{who} on {what}: {body}");
            }
        }
    }
}

#[test]
fn the_table_has_one_entry_per_route() {
    let table = webinterface::route_table();
    let mut seen = std::collections::HashSet::new();
    for r in &table {
        assert!(
            seen.insert((r.method.clone(), r.path)),
            "{} {} is listed twice",
            r.method,
            r.path
        );
    }
    // The old quarantine paths are still routed (pages redirect, the API answers the same).
    for path in [
        "/quarantine",
        "/rejected",
        "/api/quarantine",
        "/api/rejected",
    ] {
        assert!(table.iter().any(|r| r.path == path), "{path}");
    }
}

/// Routes only come from `routes.rs`'s builder, which writes the table: no `.route(` (or
/// nest, fallback, service) anywhere else in the crate.
#[test]
fn routes_are_only_added_through_the_table() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src];
    let mut files = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("routes.rs") {
                continue;
            }
            files += 1;
            let text = std::fs::read_to_string(&path).expect("read");
            for bad in [
                ".route(",
                ".nest(",
                ".fallback(",
                ".route_service(",
                ".nest_service(",
            ] {
                assert!(
                    !text.contains(bad),
                    "{} adds a route with {bad} outside the route table",
                    path.display()
                );
            }
        }
    }
    assert!(files > 20, "only {files} source files found");
}
