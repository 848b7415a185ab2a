//! `test_templates`: a stand's test templates ([`crate::template::Template`]), versioned. A
//! family is a template's versions: the first one's id names it, editing adds the next version,
//! retiring marks the whole family (its rows stay for the runs that used them). The body is
//! the template's JSON as a whole, stored as `json` (its fields keep their order) and read
//! back with [`Template`]'s own deserializer, so fields added to it later travel unchanged.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;
use sqlx::{PgPool, Postgres};

use super::{QueryContext, StoreError};
use crate::StandId;
use crate::template::Template;

/// One stored version of a template.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredTemplate {
    /// This version's id (what a run records and a start names).
    pub id: i64,
    /// The stand it belongs to.
    pub stand: StandId,
    /// The id of the template's first version: the same for all its versions.
    pub family: i64,
    /// Its version, from 1.
    pub version: i32,
    /// Who saved this version.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When the template was deleted (retired), if it was.
    pub retired_at: Option<DateTime<Utc>>,
    /// The template itself (its portable JSON).
    pub template: Template,
}

/// A run's template, as run and result views name it: "Quick check v2".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateRef {
    /// The version's id.
    pub id: i64,
    /// The template's name in that version.
    pub name: String,
    /// The version.
    pub version: i32,
}

impl std::fmt::Display for TemplateRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} v{}", self.name, self.version)
    }
}

/// Why a template could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum TemplateStoreError {
    /// The stand does not exist.
    #[error("no stand {0}")]
    NoStand(String),
    /// The template (to edit) does not exist.
    #[error("no template {0}")]
    NotFound(i64),
    /// The template was deleted (retired): it takes no new versions.
    #[error("template {0} was deleted; it takes no new versions")]
    Retired(i64),
    /// Another version was saved at the same moment.
    #[error("template {0} was changed by someone else at the same moment; reload and try again")]
    Concurrent(i64),
    /// The stored body is not a template (written outside the web interface).
    #[error("template {id} cannot be read: {cause}")]
    Unreadable {
        /// The version's id.
        id: i64,
        /// What the JSON reader said.
        cause: String,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] StoreError),
}

type Row = (
    i64,
    StandId,
    i64,
    i32,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    String,
);

const COLUMNS: &str = "id, stand_id, family, version, created_by, created_at, retired_at, \
                       body::text";

fn read(row: Row) -> Result<StoredTemplate, TemplateStoreError> {
    let (id, stand, family, version, created_by, created_at, retired_at, body) = row;
    let template = serde_json::from_str(&body).map_err(|e| TemplateStoreError::Unreadable {
        id,
        cause: e.to_string(),
    })?;
    Ok(StoredTemplate {
        id,
        stand,
        family,
        version,
        created_by,
        created_at,
        retired_at,
        template,
    })
}

fn body(template: &Template) -> String {
    // Serializing a plain struct of strings, numbers and JSON values cannot fail.
    serde_json::to_string(template).unwrap_or_else(|_| "{}".into())
}

/// The insert of a template version, `sql` (`RETURNING {COLUMNS}`), with its values bound:
/// `$1` is `first` (the stand or the family), `$2` the template's name, `$3` its body as text
/// (`json` keeps the fields in the order written), `$4` who saves it.
fn insert_version<'q>(
    sql: String,
    first: impl sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres> + 'q,
    template: &'q Template,
    by: &'q str,
) -> QueryAs<'q, Postgres, Row, PgArguments> {
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(first)
        .bind(template.name.trim())
        .bind(body(template))
        .bind(by)
}

/// The current (latest) version of each template of the stand that is not retired, by name.
pub async fn list(
    pool: &PgPool,
    stand: &StandId,
) -> Result<Vec<StoredTemplate>, TemplateStoreError> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM (
             SELECT DISTINCT ON (family) * FROM test_templates
             WHERE stand_id = $1 AND retired_at IS NULL
             ORDER BY family, version DESC) t
         ORDER BY lower(name), id"
    )))
    .bind(stand.as_str())
    .fetch_all(pool)
    .await
    .query("test_templates.list")?;
    rows.into_iter().map(read).collect()
}

/// Whether the stand has a template that is not retired.
pub async fn any(pool: &PgPool, stand: &StandId) -> Result<bool, StoreError> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM test_templates WHERE stand_id = $1 AND retired_at IS NULL)",
    )
    .bind(stand.as_str())
    .fetch_one(pool)
    .await
    .query("test_templates.any")
}

/// One version, retired or not.
pub async fn get(pool: &PgPool, id: i64) -> Result<Option<StoredTemplate>, TemplateStoreError> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM test_templates WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await
    .query("test_templates.get")?;
    row.map(read).transpose()
}

/// Saves a new template on the stand (version 1 of a new family). The caller has checked it
/// ([`Template::validate`]).
pub async fn create(
    pool: &PgPool,
    stand: &StandId,
    template: &Template,
    by: &str,
) -> Result<StoredTemplate, TemplateStoreError> {
    let sql = format!(
        "INSERT INTO test_templates (id, stand_id, family, version, name, body, created_by)
         SELECT n.id, $1, n.id, 1, $2, $3::json, $4
         FROM (SELECT nextval(pg_get_serial_sequence('test_templates', 'id')) AS id) n
         RETURNING {COLUMNS}"
    );
    let res: Result<Row, StoreError> = insert_version(sql, stand.as_str(), template, by)
        .fetch_one(pool)
        .await
        .query("test_templates.create");
    match res {
        Ok(row) => read(row),
        Err(e) if e.constraint() == Some("test_templates_stand_id_fkey") => {
            Err(TemplateStoreError::NoStand(stand.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

/// Saves `template` as the next version of the family of version `id` (any version of it).
pub async fn new_version(
    pool: &PgPool,
    id: i64,
    template: &Template,
    by: &str,
) -> Result<StoredTemplate, TemplateStoreError> {
    let Some(old) = get(pool, id).await? else {
        return Err(TemplateStoreError::NotFound(id));
    };
    if old.retired_at.is_some() {
        return Err(TemplateStoreError::Retired(id));
    }
    let sql = format!(
        "INSERT INTO test_templates (stand_id, family, version, name, body, created_by)
         SELECT stand_id, family, version + 1, $2, $3::json, $4 FROM test_templates
         WHERE family = $1 AND retired_at IS NULL
         ORDER BY version DESC LIMIT 1
         RETURNING {COLUMNS}"
    );
    let res: Result<Option<Row>, StoreError> = insert_version(sql, old.family, template, by)
        .fetch_optional(pool)
        .await
        .query("test_templates.new_version");
    match res {
        Ok(Some(row)) => read(row),
        Ok(None) => Err(TemplateStoreError::Retired(id)),
        Err(e) if e.constraint() == Some("test_templates_family_version") => {
            Err(TemplateStoreError::Concurrent(id))
        }
        Err(e) => Err(e.into()),
    }
}

/// Retires the family of version `id` (deleting the template: it is no longer listed or
/// started; its versions stay for their runs). Whether the version exists.
pub async fn retire(pool: &PgPool, id: i64) -> Result<bool, StoreError> {
    let family: Option<i64> = sqlx::query_scalar(
        "UPDATE test_templates SET retired_at = coalesce(retired_at, now())
         WHERE family = (SELECT family FROM test_templates WHERE id = $1)
         RETURNING family",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
    .query("test_templates.retire")?;
    Ok(family.is_some())
}

/// The template version a run was started with, if it was.
pub async fn of_run(pool: &PgPool, run: i64) -> Result<Option<TemplateRef>, StoreError> {
    sqlx::query_as(
        "SELECT t.id, t.name, t.version FROM runs r JOIN test_templates t ON t.id = r.template_id
         WHERE r.id = $1",
    )
    .bind(run)
    .fetch_optional(pool)
    .await
    .query("test_templates.of_run")
}

/// Records the template version a new run was started with (before its command is sent).
pub async fn attach(pool: &PgPool, run: i64, template: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE runs SET template_id = $2 WHERE id = $1")
        .bind(run)
        .bind(template)
        .execute(pool)
        .await
        .query("test_templates.attach")?;
    Ok(())
}
