//! The results list's query (`stand`, `user`, `from`, `to`, `kept`, `verdict`, `page`,
//! `per_page`),
//! parsed at the edge into the store's filter; a bad value is a 400 that names it.

use chrono::{DateTime, NaiveDate, Utc};
use domain::store::results::{self, ResultFilter, ResultItem, VerdictFilter};
use sqlx::PgPool;

use crate::error::{Error, Result};
use crate::extract::stand_id_message;
use crate::msg;

/// The list's query string as sent: every field optional, empty means "any".
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only this stand's results.
    #[param(example = "rig1")]
    pub stand: Option<String>,
    /// Only results of runs this user started, or whose stand sent this `sentBy`.
    #[param(max_length = 150)]
    pub user: Option<String>,
    /// Received at or after: a date (`2026-11-25`) or an RFC 3339 time.
    #[param(example = "2026-11-01")]
    pub from: Option<String>,
    /// Received before the end of: a date (`2026-11-25`, inclusive) or an RFC 3339 time.
    #[param(example = "2026-11-30")]
    pub to: Option<String>,
    /// `true`/`yes`/`1`/`on`, `false`/`no`/`0`/`off`, or `any`, in any case (empty: any).
    #[param(
        pattern = "^([Tt][Rr][Uu][Ee]|[Yy][Ee][Ss]|1|[Oo][Nn]|[Ff][Aa][Ll][Ss][Ee]|[Nn][Oo]|0|[Oo][Ff][Ff]|[Aa][Nn][Yy])?$"
    )]
    pub kept: Option<String>,
    /// Only results with this verdict against their run's template limits: `pass`, `fail`,
    /// `error`, `pending` (not measured yet) or `none` (no limits); empty or `any`: all.
    #[param(pattern = "^(pass|fail|error|pending|none|any)?$")]
    pub verdict: Option<String>,
    /// Page number, 1 to 1,000,000 (empty: 1).
    #[param(pattern = "^[0-9]*$")]
    pub page: Option<String>,
    /// Results per page, 1 to 500 (empty: 50).
    #[param(pattern = "^[0-9]*$")]
    pub per_page: Option<String>,
}

/// A parsed list request.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRequest {
    /// The filter.
    pub filter: ResultFilter,
    /// Page number from 1.
    pub page: i64,
    /// Items per page (1–500).
    pub per_page: i64,
}

impl ListRequest {
    /// The requested page of matching results, newest first, and how many match in all.
    pub async fn list(&self, pool: &PgPool) -> Result<(Vec<ResultItem>, i64)> {
        let offset = (self.page - 1) * self.per_page;
        Ok(results::list(pool, &self.filter, offset, self.per_page).await?)
    }
}

/// A query field that was given and is not blank.
pub fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A date (`2026-11-25`, the whole day in UTC) or an RFC 3339 time. `end` makes a date
/// mean the end of that day, so `to=2026-11-25` includes the 25th.
fn parse_time(name: &str, raw: &str, end: bool) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        Error::BadRequest(msg!("results-filter-bad-time", name = name, value = raw))
    })?;
    let day = if end {
        day.succ_opt().unwrap_or(day)
    } else {
        day
    };
    Ok(day.and_time(chrono::NaiveTime::MIN).and_utc())
}

fn parse_int(name: &str, raw: &str, min: i64, max: i64) -> Result<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            Error::BadRequest(msg!(
                "results-filter-bad-number",
                name = name,
                value = raw,
                min = min,
                max = max
            ))
        })
}

impl ListParams {
    /// Parses the query; a bad value is a 400 that names it.
    pub fn parse(&self) -> Result<ListRequest> {
        let stand = given(&self.stand)
            .map(|s| {
                domain::StandId::parse(s).map_err(|e| {
                    Error::BadRequest(msg!(
                        "results-filter-bad-stand",
                        value = s,
                        reason = stand_id_message(&e)
                    ))
                })
            })
            .transpose()?;
        let user = given(&self.user).map(str::to_owned);
        if user.as_ref().is_some_and(|u| u.chars().count() > 150) {
            return Err(Error::BadRequest(msg!("results-filter-user-too-long")));
        }
        let from = given(&self.from)
            .map(|s| parse_time("from", s, false))
            .transpose()?;
        let to = given(&self.to)
            .map(|s| parse_time("to", s, true))
            .transpose()?;
        if let (Some(f), Some(t)) = (from, to)
            && f >= t
        {
            return Err(Error::BadRequest(msg!("results-filter-from-after-to")));
        }
        let kept = match given(&self.kept).map(str::to_ascii_lowercase).as_deref() {
            None | Some("any") => None,
            Some("true" | "yes" | "1" | "on") => Some(true),
            Some("false" | "no" | "0" | "off") => Some(false),
            Some(other) => {
                return Err(Error::BadRequest(msg!(
                    "results-filter-bad-kept",
                    value = other
                )));
            }
        };
        let verdict =
            match given(&self.verdict) {
                None | Some("any") => None,
                Some(v) => Some(VerdictFilter::parse(v).ok_or_else(|| {
                    Error::BadRequest(msg!("results-filter-bad-verdict", value = v))
                })?),
            };
        let page = given(&self.page)
            .map(|s| parse_int("page", s, 1, 1_000_000))
            .transpose()?
            .unwrap_or(1);
        let per_page = given(&self.per_page)
            .map(|s| parse_int("per_page", s, 1, 500))
            .transpose()?
            .unwrap_or(50);
        Ok(ListRequest {
            filter: ResultFilter {
                stand,
                user,
                from,
                to,
                kept,
                verdict,
            },
            page,
            per_page,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> ListParams {
        let mut p = ListParams::default();
        for (k, v) in pairs {
            let v = Some((*v).to_owned());
            match *k {
                "stand" => p.stand = v,
                "user" => p.user = v,
                "from" => p.from = v,
                "to" => p.to = v,
                "kept" => p.kept = v,
                "verdict" => p.verdict = v,
                "page" => p.page = v,
                "per_page" => p.per_page = v,
                _ => unreachable!(),
            }
        }
        p
    }

    #[test]
    fn list_filters_parse() {
        let r = params(&[
            ("stand", "rig1"),
            ("user", " olga "),
            ("from", "2026-11-01"),
            ("to", "2026-11-02"),
            ("kept", "yes"),
            ("page", "3"),
            ("per_page", "10"),
        ])
        .parse()
        .expect("valid");
        assert_eq!(
            r.filter.stand.as_ref().map(domain::StandId::as_str),
            Some("rig1")
        );
        assert_eq!(r.filter.user.as_deref(), Some("olga"));
        assert_eq!(r.filter.kept, Some(true));
        let fails = params(&[("verdict", "fail")]).parse().expect("valid");
        assert_eq!(fails.filter.verdict, Some(VerdictFilter::Fail));
        assert_eq!(
            r.filter.to.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-11-03T00:00:00+00:00")
        );
        assert_eq!((r.page, r.per_page), (3, 10));
        let empty = params(&[("stand", ""), ("kept", ""), ("page", "")])
            .parse()
            .expect("empty is any");
        assert_eq!(empty.filter, ResultFilter::default());
        assert_eq!((empty.page, empty.per_page), (1, 50));
        let t = params(&[("from", "2026-11-01T10:00:00+01:00")])
            .parse()
            .expect("rfc3339");
        assert_eq!(
            t.filter.from.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-11-01T09:00:00+00:00")
        );
    }

    #[test]
    fn bad_filters_name_the_field() {
        for (k, v, says) in [
            ("stand", "a b", "stand="),
            ("from", "yesterday", "from="),
            ("kept", "maybe", "kept="),
            ("verdict", "passed", "verdict="),
            ("page", "0", "page="),
            ("per_page", "100000", "per_page="),
            ("page", "x", "page="),
        ] {
            let e = params(&[(k, v)]).parse().expect_err(v);
            assert!(matches!(e, Error::BadRequest(_)));
            assert!(e.to_string().contains(says), "{e}");
        }
        let e = params(&[("from", "2026-11-02"), ("to", "2026-11-01")])
            .parse()
            .expect_err("order");
        assert!(e.to_string().contains("before"));
    }
}
