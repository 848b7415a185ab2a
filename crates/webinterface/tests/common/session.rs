//! A logged-in browser-like client (cookie session and its CSRF token), form posts with the
//! token, pages and downloads with their checks, so a test says what it does in a few lines.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::Value;

use super::{App, PASSWORD};

/// A client that keeps cookies and does not follow redirects, as a test of a browser's view.
pub fn cookie_client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// The `Location` header of an answer (empty when there is none).
pub fn location(r: &Response) -> String {
    r.headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The header `name` of an answer as text (it must be there).
pub fn header_of(r: &Response, name: &str) -> String {
    r.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .expect("header text")
        .to_owned()
}

/// A client logged in through the login form, with the session's CSRF token.
pub struct Session {
    pub client: Client,
    pub csrf: String,
    base: String,
}

/// A download's headers and bytes, answered 200 with the content type asked for.
pub struct Download {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Download {
    /// The header's value as text.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .expect("header text")
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("utf-8")
    }

    /// The body read as an xlsx workbook.
    pub fn workbook(&self) -> calamine::Xlsx<std::io::Cursor<Vec<u8>>> {
        calamine::open_workbook_from_rs(std::io::Cursor::new(self.body.clone()))
            .expect("an xlsx file")
    }
}

impl Session {
    /// Wraps a client logged in elsewhere (with its CSRF token).
    pub fn new(app: &App, client: Client, csrf: String) -> Self {
        Self {
            client,
            csrf,
            base: app.base.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// `GET path`, whatever the answer.
    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect(path)
    }

    /// `GET path`, answered with `status`: its body.
    pub async fn page_with(&self, path: &str, status: StatusCode) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status(), status, "GET {path}");
        r.text().await.expect("body")
    }

    /// `GET path`, answered 200: its body.
    pub async fn page(&self, path: &str) -> String {
        self.page_with(path, StatusCode::OK).await
    }

    /// `GET path` as JSON, answered 200.
    pub async fn json(&self, path: &str) -> serde_json::Value {
        let r = self.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.json().await.expect("json")
    }

    /// A form post of `fields` to `path`, the session's CSRF token first.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut form = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        self.post_form_as_is(path, &form).await
    }

    /// A form post of exactly `fields` to `path` (no CSRF token added).
    pub async fn post_form_as_is(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect(path)
    }

    /// A form post that must be answered with a redirect (303): where it leads.
    pub async fn post_form_redirect(&self, path: &str, fields: &[(&str, &str)]) -> String {
        let r = self.post_form(path, fields).await;
        let status = r.status();
        let to = location(&r);
        assert_eq!(
            status,
            StatusCode::SEE_OTHER,
            "POST {path}: {}",
            r.text().await.unwrap_or_default()
        );
        to
    }

    /// A request of `method` to `path` with the CSRF header (as the pages' scripts send it) and,
    /// if given, a JSON body.
    pub async fn send_json(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        let req = self.client.request(method, self.url(path));
        send_with_body(req.header("x-csrf-token", &self.csrf), body, path).await
    }

    /// `GET path`, answered 200 with a content type starting with `content_type`.
    pub async fn download(&self, path: &str, content_type: &str) -> Download {
        download(self.get(path).await, path, content_type).await
    }
}

/// Sends `req` with `body` as JSON, if any; `what` names it if it cannot be sent.
async fn send_with_body(
    req: reqwest::RequestBuilder,
    body: Option<&serde_json::Value>,
    what: &str,
) -> Response {
    match body {
        Some(b) => req.json(b),
        None => req,
    }
    .send()
    .await
    .expect(what)
}

/// Checks a download's answer (200, the content type) and reads it.
pub async fn download(r: Response, what: &str, content_type: &str) -> Download {
    assert_eq!(r.status(), StatusCode::OK, "{what}");
    let headers = r.headers().clone();
    let got = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(got.starts_with(content_type), "{what}: content type {got}");
    let body = r.bytes().await.expect("body").to_vec();
    Download { headers, body }
}

impl App {
    /// A user with this role, logged in through the login form.
    pub async fn session(&self, name: &str, role: domain::store::users::Role) -> Session {
        self.user(name, role).await;
        self.logged_in(name).await
    }

    /// An existing user logged in through the login form.
    pub async fn logged_in(&self, name: &str) -> Session {
        let (client, csrf) = self.login(name).await;
        Session::new(self, client, csrf)
    }

    /// Posts the login form with `client` (a fresh CSRF field first): the answer.
    pub async fn post_login(
        &self,
        client: &Client,
        user: &str,
        password: &str,
        next: Option<&str>,
    ) -> Response {
        let mut fields = vec![("username", user), ("password", password)];
        if let Some(next) = next {
            fields.push(("next", next));
        }
        super::login_request(client, &self.url("/login"), &fields)
            .await
            .send()
            .await
            .expect("login")
    }

    /// [`App::post_login`] with the test password.
    pub async fn post_login_ok(&self, client: &Client, user: &str, next: &str) -> Response {
        self.post_login(client, user, PASSWORD, Some(next)).await
    }
}

/// An answer's JSON body, checking that it says it is JSON.
pub async fn json_of(r: Response) -> serde_json::Value {
    let status = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        ct.starts_with("application/json"),
        "{status}: content type {ct:?}"
    );
    r.json().await.expect("json body")
}

/// An answer's JSON `error` message.
pub async fn error_of(r: Response) -> String {
    json_of(r).await["error"]
        .as_str()
        .expect("an error message")
        .to_owned()
}

/// A client that sends a bearer token with every request, as scripts do.
pub struct Api {
    pub client: Client,
    pub token: String,
    base: String,
}

impl Api {
    pub fn new(app: &App, token: &str) -> Self {
        Self {
            client: app.client(),
            token: token.to_owned(),
            base: app.base.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// `method path` with the token and, if given, a JSON body.
    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        let req = self.client.request(method, self.url(path));
        send_with_body(req.bearer_auth(&self.token), body, path).await
    }

    /// `GET path`, whatever the answer.
    pub async fn get(&self, path: &str) -> Response {
        self.send(reqwest::Method::GET, path, None).await
    }

    /// `POST path` with a JSON body, whatever the answer.
    pub async fn post(&self, path: &str, body: &serde_json::Value) -> Response {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    /// `PATCH path` with a JSON body, whatever the answer.
    pub async fn patch(&self, path: &str, body: &serde_json::Value) -> Response {
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }

    /// `GET path` answered 200 with JSON: the JSON.
    pub async fn json(&self, path: &str) -> serde_json::Value {
        let r = self.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        json_of(r).await
    }

    /// `GET path`, whatever the answer: its status and its body as text.
    pub async fn get_text(&self, path: &str) -> (StatusCode, String) {
        let r = self.get(path).await;
        (r.status(), r.text().await.expect("body"))
    }

    /// `GET path` answered 200: the body as text.
    pub async fn text(&self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.text().await.expect("body")
    }
}

impl App {
    /// A user with this role and a client sending its bearer token.
    pub async fn api(&self, name: &str, role: domain::store::users::Role) -> Api {
        let token = self.token(name, role).await;
        Api::new(self, &token)
    }
}

impl Api {
    /// `GET path`, answered 200 with a content type starting with `content_type`.
    pub async fn download(&self, path: &str, content_type: &str) -> Download {
        download(self.get(path).await, path, content_type).await
    }
}

impl App {
    /// `GET path` with `client` (its cookies) as a browser navigates (`Accept: text/html`),
    /// whatever the answer.
    pub async fn navigate(&self, client: &Client, path: &str) -> Response {
        client
            .get(self.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .expect(path)
    }

    /// `GET path` with `client` (its cookies): the body as text, whatever the status.
    pub async fn text(&self, client: &Client, path: &str) -> String {
        let r = client.get(self.url(path)).send().await.expect(path);
        r.text().await.expect("body")
    }

    /// `GET path` with `client` (its cookies): the body as JSON, whatever the status.
    pub async fn json(&self, client: &Client, path: &str) -> serde_json::Value {
        let r = client.get(self.url(path)).send().await.expect(path);
        r.json().await.expect("json")
    }

    /// `GET path` with a bearer token: the body as text, whatever the status.
    pub async fn text_with_token(&self, path: &str, token: &str) -> String {
        let r = self.get_with_token(path, token, path).await;
        r.text().await.expect("body")
    }

    /// `GET path` with a bearer token: the body as JSON, whatever the status.
    pub async fn json_of_token(&self, path: &str, token: &str) -> serde_json::Value {
        let r = self.get_with_token(path, token, path).await;
        r.json().await.expect("json")
    }

    /// A form post of `fields` to `path` with `client` (its cookies), `csrf` first.
    pub async fn post_form(
        &self,
        client: &Client,
        path: &str,
        csrf: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        let mut form = vec![("csrf", csrf)];
        form.extend_from_slice(fields);
        client
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .expect(path)
    }
}

impl Api {
    /// `method path` with the token and, if given, a JSON body: the status and the JSON answer
    /// (null when the answer is not JSON).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> (StatusCode, serde_json::Value) {
        let r = self.send(method, path, body).await;
        let status = r.status();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }
}

impl Api {
    /// `POST path` with a JSON body: the status and the JSON answer.
    pub async fn post_call(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// `GET path`: the status and the JSON answer.
    pub async fn get_call(&self, path: &str) -> (StatusCode, serde_json::Value) {
        self.call(reqwest::Method::GET, path, None).await
    }
}
