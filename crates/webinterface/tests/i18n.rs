//! Languages (issue 27): the Danish and English files hold the same messages; every page of
//! the router, its error pages, form errors and live updates, shown in the pseudo-locale (every
//! translated message marked `⟦…⟧`), has no visible text that is neither marked nor data; the
//! language follows the account's choice, then the browser, then `DEFAULT_LANGUAGE`, and a
//! change on the account page shows on the next page of the same session.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::{App, data_message, ingest};
use domain::store::users::Role;
use reqwest::header::{ACCEPT, ACCEPT_LANGUAGE};
use serde_json::json;
use webinterface::i18n::{FILES, Lang, keys};
use webinterface::{Kind, RouteInfo};

#[test]
fn danish_and_english_have_the_same_messages_each_defined_once() {
    let (en, da) = (keys("en"), keys("da"));
    assert!(en.len() > 100, "only {} English messages", en.len());
    let only_en: Vec<_> = en.difference(&da).collect();
    let only_da: Vec<_> = da.difference(&en).collect();
    assert!(only_en.is_empty(), "missing in Danish: {only_en:?}");
    assert!(only_da.is_empty(), "missing in English: {only_da:?}");
    // The same files in both, and no message written twice (a second one would be ignored).
    let files = |lang: &str| -> BTreeSet<&str> {
        FILES
            .iter()
            .filter(|(l, _, _)| *l == lang)
            .map(|(_, n, _)| *n)
            .collect()
    };
    assert_eq!(files("en"), files("da"));
    for lang in ["en", "da"] {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (_, name, text) in FILES.iter().filter(|(l, _, _)| *l == lang) {
            let resource = fluent_syntax::parser::parse(*text)
                .unwrap_or_else(|(_, e)| panic!("locales/{lang}/{name} does not parse: {e:?}"));
            for entry in resource.body {
                if let fluent_syntax::ast::Entry::Message(m) = entry {
                    *seen.entry(m.id.name.to_owned()).or_default() += 1;
                }
            }
        }
        let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
        assert!(
            twice.is_empty(),
            "{lang}: messages defined twice: {twice:?}"
        );
    }
}

/// The visible texts of an HTML document or fragment: text nodes outside `script`, `style`,
/// `code`, `pre`, `textarea` (data and syntax, not language) and `translate="no"`, and the attributes a person
/// reads (`title`, `placeholder`, `alt`, `aria-label`, `data-label`, the live badge's texts,
/// button values).
fn visible_texts(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let mut out = Vec::new();
    for node in doc.tree.nodes() {
        match node.value() {
            scraper::Node::Text(text) => {
                // `translate="no"` (HTML's own mark for text not to translate) holds stored
                // text in the words it was stored in: a stand's own error, a rejection's reason.
                let hidden = node.ancestors().any(|a| {
                    a.value().as_element().is_some_and(|e| {
                        matches!(e.name(), "script" | "style" | "code" | "pre" | "textarea")
                            || e.attr("translate") == Some("no")
                    })
                });
                if !hidden && !text.trim().is_empty() {
                    out.push(text.to_string());
                }
            }
            scraper::Node::Element(e) => {
                for name in [
                    "title",
                    "placeholder",
                    "alt",
                    "aria-label",
                    "data-label",
                    "data-on-text",
                    "data-off-text",
                ] {
                    if let Some(v) = e.attr(name) {
                        out.push(v.to_owned());
                    }
                }
                if e.name() == "input"
                    && matches!(e.attr("type"), Some("submit" | "button"))
                    && let Some(v) = e.attr("value")
                {
                    out.push(v.to_owned());
                }
            }
            _ => {}
        }
    }
    out
}

/// What is left of `text` once the marked messages and the data are taken out: words that
/// are neither translated nor data.
fn unmarked(text: &str, data: &[&str]) -> Vec<String> {
    let mut rest = text.to_owned();
    // Innermost marks first (a message can hold another as an argument).
    let marked = regex::Regex::new("⟦[^⟦⟧]*⟧").expect("regex");
    loop {
        let next = marked.replace_all(&rest, " ").into_owned();
        if next == rest {
            break;
        }
        rest = next;
    }
    // Data as whole words only: a stand called `x` does not hide the x of "Max".
    let mut data: Vec<&str> = data.to_vec();
    data.sort_by_key(|d| std::cmp::Reverse(d.len()));
    for d in data {
        let whole =
            regex::Regex::new(&format!(r"(^|[^\w]){}([^\w]|$)", regex::escape(d))).expect("regex");
        loop {
            let next = whole.replace_all(&rest, "$1 $2").into_owned();
            if next == rest {
                break;
            }
            rest = next;
        }
    }
    rest.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .map(str::to_owned)
        .collect()
}

/// The data the seeded pages show (`|` between): names, ids, values a person typed, the
/// zone's name.
const DATA: &str = concat!(
    "rig1|rig2|admin1|viewer1|Sweep|A frequency sweep of the accelerometer|Sensor|",
    "X axis|Y axis|Hz|kHz|sensor|duration|frequency|operator_note|dry_run|calibrate|",
    "measure|Europe/Copenhagen|speed|ch1|x|y",
);

struct Walk {
    problems: Vec<String>,
    pages: usize,
}

impl Walk {
    /// Sends `request` in the pseudo-locale and checks the page it answers with, of `status`.
    async fn check_answer(&mut self, what: &str, request: reqwest::RequestBuilder, status: u16) {
        let r = pseudo(request).send().await.expect(what);
        assert_eq!(r.status(), status, "{what}");
        self.check(what, &r.text().await.expect("body"));
    }

    fn check(&mut self, what: &str, html: &str) {
        self.pages += 1;
        for text in visible_texts(html) {
            let words = unmarked(&text, &DATA.split('|').collect::<Vec<_>>());
            if !words.is_empty() {
                self.problems.push(format!(
                    "{what}: {:?} in {:?}",
                    words.join(" "),
                    text.trim()
                ));
            }
        }
    }
}

/// A route's path with its placeholders filled by the seeded things.
fn concrete(path: &str, result: i64, template: i64, rejected: i64) -> String {
    let value = |seg: &str| -> String {
        match seg {
            "{*rest}" => "nothing".into(),
            "{file}" => result.to_string(),
            _ if path.starts_with("/admin/templates") => template.to_string(),
            _ if path.starts_with("/quarantine") || path.starts_with("/rejected") => {
                rejected.to_string()
            }
            _ if path.contains("saved_data") => result.to_string(),
            _ => "rig1".into(),
        }
    };
    path.split('/')
        .map(|seg| {
            if seg.starts_with('{') {
                value(seg)
            } else {
                seg.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn seed(app: &App) -> (i64, i64, i64) {
    app.user("admin1", Role::Admin).await;
    app.user("viewer1", Role::Viewer).await;
    app.stand("rig1", "ready").await;
    app.stand("rig2", "busy").await;
    let result = ingest(
        &app.db.pool,
        "rig1",
        &data_message(
            "rig1",
            json!({"speed": "3.5"}),
            r#"{"ch1": [1.5, 2.25, 3]}"#,
        ),
    )
    .await
    .expect("a result");
    ingest(&app.db.pool, "rig1", b"{not json").await;
    let rejected: i64 = sqlx::query_scalar("SELECT max(id) FROM quarantine")
        .fetch_one(&app.db.pool)
        .await
        .expect("quarantined");
    let template = common::accelerometer();
    let token = app.token("tokenadmin", Role::Admin).await;
    let (status, body) = app
        .json_with_token(
            reqwest::Method::POST,
            "/api/stands/rig1/templates",
            &token,
            Some(&template),
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    let template = body["id"].as_i64().expect("template id");
    (result, template, rejected)
}

fn pseudo(r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    r.header(ACCEPT_LANGUAGE, "qps-ploc")
        .header(ACCEPT, "text/html")
}

#[tokio::test]
async fn every_page_error_form_error_and_live_update_marks_its_text_in_the_pseudo_locale() {
    let app = App::start_with(|c| c.pseudo_locale = true).await;
    let (result, template, rejected) = seed(&app).await;
    let (admin, csrf) = app.login("admin1").await;
    let mut walk = Walk {
        problems: Vec::new(),
        pages: 0,
    };

    // Every page route of the router, as an admin (who sees every part of every page).
    let table = webinterface::route_table();
    let mut paths: Vec<String> = table
        .iter()
        .filter(|r: &&RouteInfo| r.kind == Kind::Page && r.method == reqwest::Method::GET)
        .map(|r| concrete(r.path, result, template, rejected))
        .collect();
    // The same pages with what their links add: notices, filters, layouts, paging.
    paths.extend([
        "/stands/rig1?started=1".to_owned(),
        "/results?verdict=fail".into(),
        "/results?stand=rig1&page=2".into(),
        format!("/results/{result}?layout=classic"),
        "/account?changed=password".into(),
        "/stands/nowhere".into(),
        "/results/999999".into(),
        "/no/such/page".into(),
    ]);
    for path in &paths {
        let r = pseudo(admin.get(app.url(path))).send().await.expect(path);
        let html = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if r.status().is_redirection() || !html {
            continue;
        }
        let status = r.status();
        walk.check(
            &format!("GET {path} ({status})"),
            &r.text().await.expect("body"),
        );
    }
    assert!(walk.pages >= 15, "only {} pages were walked", walk.pages);

    // A page a viewer may not see: the 403 page.
    let (viewer, viewer_csrf) = app.login("viewer1").await;
    let to_admin = viewer.get(app.url("/admin/users"));
    walk.check_answer("GET /admin/users as a viewer", to_admin, 403)
        .await;

    // Form errors: a refused password change, a refused start, a wrong CSRF token.
    for (path, form) in [
        (
            "/account/password",
            vec![
                ("current", "wrong"),
                ("new", "abcdefgh1"),
                ("repeat", "other-one"),
            ],
        ),
        (
            "/account/password",
            vec![("current", "wrong"), ("new", "abc"), ("repeat", "abc")],
        ),
        ("/account/language", vec![("language", "sv")]),
        (
            "/stands/rig1/runs",
            vec![
                ("param_name", "bad name!"),
                ("param_value", "1"),
                ("commands", ""),
            ],
        ),
        (
            &*format!("/stands/rig1/templates/{template}/runs"),
            vec![("duration", "500"), ("operator_note", "lower-1")],
        ),
        ("/admin/stands", vec![("id", "bad id!"), ("name", "")]),
        (
            "/admin/users",
            vec![
                ("username", "x y"),
                ("password", "short"),
                ("role", "viewer"),
            ],
        ),
    ] {
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend(form.iter().copied());
        let r = pseudo(admin.post(app.url(path)))
            .form(&fields)
            .send()
            .await
            .expect(path);
        let status = r.status();
        if status.is_redirection() {
            continue;
        }
        walk.check(
            &format!("POST {path} ({status})"),
            &r.text().await.expect("body"),
        );
    }
    let forged = viewer
        .post(app.url("/account/language"))
        .form(&[("csrf", "forged"), ("language", "da")]);
    walk.check_answer("POST with a wrong CSRF token", forged, 403)
        .await;
    let _ = viewer_csrf;

    // Logged out: the login page, a failed login.
    let login_page = app.client().get(app.url("/login"));
    walk.check_answer("GET /login", login_page, 200).await;
    let fresh = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let failed = common::login_request(
        &fresh,
        &app.url("/login"),
        &[("username", "admin1"), ("password", "wrong password")],
    )
    .await;
    walk.check_answer("POST /login (wrong password)", failed, 401)
        .await;

    // Live updates: a status and a result stored while a pseudo-locale page listens.
    let mut events = pseudo(admin.get(app.url("/events")))
        .header(ACCEPT, "text/event-stream")
        .send()
        .await
        .expect("events");
    assert_eq!(events.status(), 200);
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut published = false;
    while !(seen.contains("event: stand") && seen.contains("event: result")) {
        let chunk = tokio::time::timeout_at(deadline, events.chunk())
            .await
            .expect("the live updates arrive within 20 s")
            .expect("stream");
        seen.push_str(&String::from_utf8_lossy(&chunk.expect("stream open")));
        if !published && seen.contains("event: hello") {
            published = true;
            let status = test_support::messages::status("202", "rig1").to_string();
            ingest(&app.db.pool, "rig1", status.as_bytes()).await;
            let data = data_message("rig1", json!({"speed": "4"}), r#"{"ch1": [1, 2]}"#);
            ingest(&app.db.pool, "rig1", &data).await;
        }
    }
    for line in seen.lines().filter_map(|l| l.strip_prefix("data: ")) {
        let data: serde_json::Value = serde_json::from_str(line).expect("event json");
        for part in ["row", "start_hint", "history", "results"] {
            if let Some(html) = data[part].as_str() {
                // A fragment: wrapped so a row parses as a row.
                let doc = format!("<table>{html}</table>");
                walk.check(&format!("live update {part}"), &doc);
            }
        }
    }

    assert!(
        walk.problems.is_empty(),
        "{} texts are neither translated nor data:\n{}",
        walk.problems.len(),
        walk.problems.join("\n")
    );
}

#[tokio::test]
async fn the_language_follows_the_account_then_the_browser_then_the_site_default() {
    let app = App::start_with(|c| c.default_language = Lang::Da).await;
    let admin = app.session("admin1", Role::Admin).await;
    // The dashboard for a browser asking for `lang` (empty: no Accept-Language).
    let dashboard = |lang: &'static str| {
        let mut r = admin.client.get(admin.url("/"));
        if !lang.is_empty() {
            r = r.header(ACCEPT_LANGUAGE, lang);
        }
        async move {
            r.send()
                .await
                .expect("dashboard")
                .text()
                .await
                .expect("html")
        }
    };
    let is = |html: &str, lang: &str, word: &str| {
        html.contains(&format!("<html lang=\"{lang}\">")) && html.contains(word)
    };
    // No Accept-Language: the site's default (Danish here); the browser's first choice next.
    assert!(is(&dashboard("").await, "da", "Oversigt"));
    assert!(is(
        &dashboard("en-GB,en;q=0.9,da;q=0.5").await,
        "en",
        "Dashboard"
    ));
    // The account's choice wins over the browser, on the next page, in the same session.
    let saved = admin
        .post_form("/account/language", &[("language", "da")])
        .await;
    assert_eq!(saved.status(), 200);
    assert!(
        saved
            .text()
            .await
            .expect("html")
            .contains("Sproget er gemt.")
    );
    let html = dashboard("en").await;
    assert!(is(&html, "da", "Log ud"), "{html}");
    // The zone named on the page.
    assert!(html.contains("Tider vises i Europe/Copenhagen."), "{html}");
    // Back to following the browser.
    admin
        .post_form("/account/language", &[("language", "")])
        .await;
    assert!(is(&dashboard("en").await, "en", "Log out"));
    // A language the pages do not have is refused (here in the site's Danish).
    let r = admin
        .post_form("/account/language", &[("language", "sv")])
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.expect("html").contains("findes ikke her"));
    // The login page follows the browser.
    let login = app
        .client()
        .get(app.url("/login"))
        .header(ACCEPT_LANGUAGE, "da");
    let login = login
        .send()
        .await
        .expect("login")
        .text()
        .await
        .expect("html");
    assert!(login.contains("Brugernavn"), "{login}");
}

#[tokio::test]
async fn an_own_password_change_keeps_this_login_and_ends_the_others() {
    let app = App::start().await;
    let here = app.session("olga", Role::Operator).await;
    let elsewhere = app.logged_in("olga").await;
    let user = domain::store::users::by_username(&app.db.pool, "olga")
        .await
        .expect("user")
        .expect("exists");
    let token = webinterface::auth::create_token(&app.db.pool, &user, "script")
        .await
        .expect("token");
    let form = |current, new, repeat| [("current", current), ("new", new), ("repeat", repeat)];
    // Refusals say why and change nothing.
    for (fields, why) in [
        (
            form("wrong password", "new password 1", "new password 1"),
            "the current password is wrong",
        ),
        (
            form(common::PASSWORD, "new password 1", "new password 2"),
            "the two new passwords differ",
        ),
        (
            form(common::PASSWORD, "short", "short"),
            "at least 8 characters",
        ),
    ] {
        let r = here.post_form("/account/password", &fields).await;
        assert_eq!(r.status(), 400, "{why}");
        assert!(r.text().await.expect("html").contains(why), "{why}");
    }
    assert_eq!(elsewhere.get("/api/me").await.status(), 200);
    // The change: this login goes on, the other one and the API token end.
    let to = here
        .post_form_redirect(
            "/account/password",
            &form(common::PASSWORD, "new password 1", "new password 1"),
        )
        .await;
    assert!(here.page(&to).await.contains("Password changed."), "{to}");
    assert_eq!(here.get("/api/me").await.status(), 200);
    assert_eq!(elsewhere.get("/api/me").await.status(), 401);
    let r = app.get_with_token("/api/me", &token, "me").await;
    assert_eq!(r.status(), 401);
    let r = app
        .post_login(&common::cookie_client(), "olga", "new password 1", None)
        .await;
    assert_eq!(r.status(), 303, "the new password logs in");
}

#[tokio::test]
async fn api_errors_stay_english_with_a_stable_code() {
    let app = App::start_with(|c| c.default_language = Lang::Da).await;
    let token = app.token("admin1", Role::Admin).await;
    let asked = |path: &str| {
        let r = app
            .client()
            .get(app.url(path))
            .header(ACCEPT_LANGUAGE, "da");
        let r = r.bearer_auth(&token).send();
        async move { common::json_of(r.await.expect("get")).await }
    };
    let body = asked("/api/stands/rig9").await;
    assert_eq!(body["code"], "stand-not-found", "{body}");
    assert_eq!(body["error"], "no stand rig9", "{body}");
    let body = asked("/api/results/999999").await;
    assert!(
        body["error"]
            .as_str()
            .expect("error")
            .starts_with("no result"),
        "{body}"
    );
    let r = app.get_anonymous("/api/stands").await;
    assert_eq!(common::json_of(r).await["code"], "error-unauthorized");
}
