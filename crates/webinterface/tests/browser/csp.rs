//! Every main page works under the strict content security policy, with no violation.

use crate::common::{data_message, header_of, ingest};
use crate::steps::*;
use domain::store::users::Role;
use fantoccini::Client;
use serde_json::json;

/// The CSP violations Chromium reported on the open page (buffered since it loaded). A request
/// the policy refuses (`connect-src` to a host of its own) is the sentinel: the page's own
/// violations were queued before it, so once it is reported every earlier one is too.
pub(crate) async fn csp_violations(c: &Client) -> Vec<String> {
    let seen = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               // Its own host each call: the page's buffer still holds earlier calls' sentinels.
               const SENTINEL = `http://s${Date.now()}${Math.floor(Math.random() * 1e9)}.csp-sentinel.invalid/`;
               const seen = [];
               let finished = false;
               const finish = (extra) => {
                   if (finished) return;
                   finished = true;
                   o.disconnect();
                   done(extra ? seen.concat([extra]) : seen);
               };
               const note = (reports) => { for (const r of reports) {
                   if (r.body.blockedURL === SENTINEL) { finish(); return; }
                   seen.push(`${r.body.effectiveDirective} ${r.body.blockedURL} ${r.body.sample || ""}`);
               } };
               const o = new ReportingObserver(note, {types: ["csp-violation"], buffered: true});
               o.observe();
               fetch(SENTINEL).catch(() => {});
               setTimeout(() => { note(o.takeRecords()); finish("the sentinel was never reported"); }, 20000);"#,
            vec![],
        )
        .await
        .expect("collect CSP reports");
    serde_json::from_value(seen).expect("a list")
}

#[tokio::test]
async fn the_main_pages_work_under_the_strict_content_security_policy() {
    let (_driver, c, _, app) =
        or_skip!(browser_with(&[("rig1", "ready")], &[("ada", Role::Admin)]));
    let data = data_message("pc", json!({"fs": 100}), r#"{"a": [1, 2, 3, 2, 1]}"#);
    let id = ingest(&app.db.pool, "rig1", &data).await.expect("result");
    assert!(
        ingest(&app.db.pool, "rig1", b"<b>not json</b>")
            .await
            .is_none()
    );
    log_in(&c, &app, "ada").await;
    let csp = reqwest::get(app.url("/login")).await.expect("login page");
    let policy = header_of(&csp, "content-security-policy");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    for path in [
        "/".to_owned(),
        "/stands/rig1".to_owned(),
        "/results".to_owned(),
        format!("/results/{id}"),
        "/quarantine".to_owned(),
        "/admin/stands".to_owned(),
        "/admin/users".to_owned(),
        "/docs/api".to_owned(),
    ] {
        open(&c, &app, &path).await;
        let violations = csp_violations(&c).await;
        assert!(violations.is_empty(), "{path}: {violations:?}");
    }
    // The check sees a violation when there is one: an inline style attribute.
    c.execute("document.body.setAttribute('style', 'color: red')", vec![])
        .await
        .expect("inline style");
    assert!(
        !csp_violations(&c).await.is_empty(),
        "an inline style attribute went unreported: the check cannot see violations"
    );
    c.close().await.expect("close");
}
