//! The filtered list of results (`/results`): filters, counts by verdict, pages.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::store::results::{self, ResultItem};

use super::params::{ListParams, given};
use crate::auth::Viewer;
use crate::error::Result;
use crate::i18n::Tr;
use crate::msg;
use crate::page::Layout;
use crate::state::AppState;

struct ListRow {
    id: i64,
    stand: domain::StandId,
    run: String,
    by: String,
    received_at: String,
    point_count: i64,
    keep: bool,
    /// `pass`, `fail`, `error`, `pending` or `none`, for the CSS class.
    verdict: String,
}

impl ListRow {
    /// The result as shown to a reader of `t`.
    fn new(r: ResultItem, t: Tr) -> Self {
        Self {
            id: r.id,
            stand: r.stand,
            run: r.run.map(|i| i.to_string()).unwrap_or_else(|| "—".into()),
            by: match r.requested_by {
                Some(u) if u != r.sent_by => {
                    t.a2("result-by-sent-by", "user", u, "sender", r.sent_by)
                }
                Some(u) => u,
                None => r.sent_by,
            },
            received_at: t.time(&r.received_at),
            point_count: r.point_count,
            keep: r.keep,
            verdict: r.verdict,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "results.html")]
struct ListPage {
    layout: Layout,
    stand: String,
    user: String,
    from: String,
    to: String,
    kept: String,
    verdict: String,
    /// Each verdict with how many results the other filters give it, and its filter link.
    verdicts: Vec<VerdictCount>,
    stands: Vec<String>,
    items: Vec<ListRow>,
    total: i64,
    page: i64,
    has_more: bool,
    newer: String,
    older: String,
}

impl ListRow {
    /// The message key of its verdict's name.
    fn verdict_key(&self) -> &'static str {
        super::verdict::verdict_key(&self.verdict)
    }
}

impl VerdictCount {
    /// The message key of the verdict's name.
    fn verdict_key(&self) -> &'static str {
        super::verdict::verdict_key(self.name)
    }
}

struct VerdictCount {
    name: &'static str,
    count: i64,
    link: String,
}

#[derive(serde::Deserialize)]
pub(super) struct DeletedNotice {
    deleted: Option<i64>,
}

pub(super) async fn list_page(
    State(state): State<AppState>,
    Viewer(a): Viewer,
    Query(q): Query<ListParams>,
    Query(n): Query<DeletedNotice>,
) -> Result<Response> {
    let stands: Vec<String> = domain::store::stands::list(state.pool(), state.offline_after())
        .await?
        .into_iter()
        .map(|s| s.id.to_string())
        .collect();
    let shown = |v: &Option<String>| given(v).unwrap_or_default().to_owned();
    let mut page = ListPage {
        layout: a
            .layout()
            .notice(n.deleted.map(|id| msg!("result-deleted", id = id))),
        stand: shown(&q.stand),
        user: shown(&q.user),
        from: shown(&q.from),
        to: shown(&q.to),
        kept: shown(&q.kept).to_ascii_lowercase(),
        verdict: shown(&q.verdict),
        verdicts: Vec::new(),
        stands,
        items: Vec::new(),
        total: 0,
        page: 1,
        has_more: false,
        newer: String::new(),
        older: String::new(),
    };
    let req = match q.parse() {
        Ok(r) => r,
        Err(e) => {
            page.layout.problem = Some(e.message());
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    let (items, total) = req.list(state.pool()).await?;
    let counts = results::verdict_counts(state.pool(), &req.filter).await?;
    // The list's address with `verdict` and `page` set (`None`: left out).
    let link = |verdict: &str, p: Option<i64>| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("stand", page.stand.as_str()),
            ("user", &page.user),
            ("from", &page.from),
            ("to", &page.to),
            ("kept", &page.kept),
            ("verdict", verdict),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if req.per_page != 50 {
            s.append_pair("per_page", &req.per_page.to_string());
        }
        if let Some(p) = p {
            s.append_pair("page", &p.to_string());
        }
        format!("/results?{}", s.finish())
    };
    page.newer = link(&page.verdict, Some(req.page - 1));
    page.older = link(&page.verdict, Some(req.page + 1));
    page.verdicts = counts
        .into_iter()
        .map(|(v, count)| VerdictCount {
            name: v.as_str(),
            count,
            link: link(v.as_str(), None),
        })
        .collect();
    page.items = items.into_iter().map(|r| ListRow::new(r, a.t)).collect();
    page.total = total;
    page.page = req.page;
    page.has_more = req.page * req.per_page < total;
    Ok(page.into_response())
}
