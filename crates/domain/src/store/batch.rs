//! One statement for many tables: each table module describes its share of an inbound batch
//! as a [`Part`] (a data-modifying `WITH` query over `unnest`ed arrays), and [`statement`]
//! joins the parts into one `WITH … SELECT` sent in one round trip.
//!
//! Every part is always there (empty arrays write nothing), so the joined text is the same for
//! every batch and its prepared statement is reused. Data-modifying `WITH` queries all run to
//! completion in the statement's snapshot and do not see each other's rows; the parts never read
//! what another part writes (foreign keys are checked at the end of the statement, so a series
//! may refer to a result written by another part).

use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{PgConnection, Postgres};

use super::{QueryContext, StoreError};

/// A query being bound.
pub(crate) type PgQuery<'q> = Query<'q, Postgres, PgArguments>;

/// A table's share of a batch statement.
pub(crate) trait Part {
    /// Its `WITH` queries, each with its placeholders numbered from `$1` and how many it has.
    const SQL: &'static [(&'static str, usize)];
    /// Binds the arrays of every query of [`Part::SQL`], in order.
    fn bind<'q>(&'q self, query: PgQuery<'q>) -> PgQuery<'q>;
}

/// [`Part::bind`] for a part whose arrays are its fields: binds `self.<field>` for each field
/// named, in the order named (the order of the placeholders of [`Part::SQL`]).
macro_rules! bind_fields {
    ($($field:ident),+ $(,)?) => {
        fn bind<'q>(
            &'q self,
            query: $crate::store::batch::PgQuery<'q>,
        ) -> $crate::store::batch::PgQuery<'q> {
            query$(.bind(&self.$field))+
        }
    };
}
pub(crate) use bind_fields;

/// `WITH p0 AS (…), p1 AS (…) … <main>`: the parts in order with their placeholders shifted
/// to follow each other, then `main`, whose placeholders come after all of theirs.
pub(crate) fn statement(parts: &[(&str, usize)], main: &str) -> String {
    let mut sql = String::from("WITH ");
    let mut offset = 0;
    for (i, (part, params)) in parts.iter().enumerate() {
        if i > 0 {
            sql.push_str(",\n");
        }
        sql.push_str(&format!("p{i} AS ({})", shift(part, offset)));
        offset += params;
    }
    sql.push('\n');
    sql.push_str(&shift(main, offset));
    sql
}

/// Writes one part on its own (for the writers other than the inbound batch).
pub(crate) async fn write_alone<P: Part>(
    conn: &mut PgConnection,
    part: &P,
    name: &'static str,
) -> Result<(), StoreError> {
    // Joined from the parts' constant text: no value is ever spliced in.
    let sql = sqlx::AssertSqlSafe(statement(P::SQL, "SELECT 1"));
    part.bind(sqlx::query(sql))
        .execute(conn)
        .await
        .query(name)?;
    Ok(())
}

/// `sql` with every placeholder `$n` renumbered `$(n + by)`.
fn shift(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        out.push(c);
        if c != '$' {
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while let Some(&(j, d)) = chars.peek() {
            if !d.is_ascii_digit() {
                break;
            }
            end = j + 1;
            chars.next();
        }
        if end > start {
            let n: usize = sql[start..end].parse().unwrap_or(0);
            out.push_str(&(n + by).to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_each_other_across_parts_and_the_main_query() {
        let sql = statement(
            &[
                (
                    "INSERT INTO a SELECT * FROM unnest($1::int[], $2::text[])",
                    2,
                ),
                ("UPDATE b SET x = $1 WHERE id = $1", 1),
            ],
            "SELECT pg_notify($1, n) FROM unnest($2::text[]) AS n",
        );
        assert_eq!(
            sql,
            "WITH p0 AS (INSERT INTO a SELECT * FROM unnest($1::int[], $2::text[])),\n\
             p1 AS (UPDATE b SET x = $3 WHERE id = $3)\n\
             SELECT pg_notify($4, n) FROM unnest($5::text[]) AS n"
        );
    }

    #[test]
    fn two_digit_placeholders_and_dollars_without_digits_are_kept_apart() {
        assert_eq!(shift("$12, $1, $$x$$, $", 10), "$22, $11, $$x$$, $");
    }
}
