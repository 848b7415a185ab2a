//! Test templates in the store: versions in a family, the current ones listed, retiring a
//! family, a run keeping the version it was started with, the body's field order kept.

use domain::StandId;
use domain::store::runs;
use domain::store::templates::{self, TemplateStoreError};
use domain::template::Template;
use test_support::pg::TestDb;

fn template(name: &str, max: u32) -> Template {
    Template::from_json(&format!(
        r#"{{"name": "{name}", "commands": ["start"],
            "parameters": [
              {{"name": "zeta", "type": "number", "unit": "s", "min": 1, "max": {max}}},
              {{"name": "alpha", "type": "choice", "choices": [{{"value": "x"}}, {{"value": 10}}]}}
            ]}}"#
    ))
    .expect("template")
}

async fn stand(db: &TestDb, id: &str) -> StandId {
    sqlx::query("INSERT INTO stands (id, name) VALUES ($1, $1)")
        .bind(id)
        .execute(&db.pool)
        .await
        .expect("stand");
    StandId::parse(id).expect("id")
}

#[tokio::test]
async fn templates_are_versioned_retired_and_runs_keep_their_version() {
    let db = TestDb::new().await;
    let rig = stand(&db, "rig1").await;
    let other = stand(&db, "rig2").await;
    let pool = &db.pool;

    let quick = templates::create(pool, &rig, &template("Quick", 10), "ada")
        .await
        .expect("create");
    assert_eq!((quick.version, quick.family), (1, quick.id));
    assert_eq!(quick.created_by, "ada");
    let full = templates::create(pool, &rig, &template("Full", 60), "ada")
        .await
        .expect("create");
    templates::create(pool, &other, &template("Elsewhere", 5), "ada")
        .await
        .expect("other stand");
    let ghost = StandId::parse("ghost").expect("id");
    assert!(matches!(
        templates::create(pool, &ghost, &template("X", 1), "ada").await,
        Err(TemplateStoreError::NoStand(_))
    ));

    // A run started with version 1.
    let params = serde_json::json!({"zeta": 5});
    let cmds = serde_json::json!(["start"]);
    let run = test_support::runs::start(pool, &rig, &params, &cmds, Some(quick.id)).await;

    // Editing makes version 2 in the same family; the list shows it, not version 1.
    let v2 = templates::new_version(pool, quick.id, &template("Quick check", 20), "bob")
        .await
        .expect("new version");
    assert_eq!((v2.family, v2.version), (quick.id, 2));
    let v3 = templates::new_version(pool, quick.id, &template("Quick check", 30), "bob")
        .await
        .expect("editing an old version makes the next one");
    assert_eq!(v3.version, 3);
    let names: Vec<(String, i32)> = templates::list(pool, &rig)
        .await
        .expect("list")
        .into_iter()
        .map(|t| (t.template.name, t.version))
        .collect();
    assert_eq!(names, [("Full".into(), 1), ("Quick check".into(), 3)]);

    // The run still names version 1; the old version reads back whole.
    let r = runs::get(pool, run).await.expect("get").expect("run");
    let t = r.template.expect("the run's template");
    assert_eq!((t.id, t.name.as_str(), t.version), (quick.id, "Quick", 1));
    assert_eq!(t.to_string(), "Quick v1");
    let old = templates::get(pool, quick.id)
        .await
        .expect("get")
        .expect("old version");
    assert_eq!(old.template, template("Quick", 10));

    // The body keeps the template's field order (json, not jsonb).
    let body: String = sqlx::query_scalar("SELECT body::text FROM test_templates WHERE id = $1")
        .bind(quick.id)
        .fetch_one(pool)
        .await
        .expect("body");
    let zeta = body.find("\"zeta\"").expect("zeta");
    let alpha = body.find("\"alpha\"").expect("alpha");
    assert!(zeta < alpha, "{body}");

    // Retiring any version retires the family: gone from the list, no new versions, the
    // versions kept for the run.
    assert!(templates::retire(pool, v2.id).await.expect("retire"));
    assert!(
        !templates::retire(pool, 999_999)
            .await
            .expect("retire nothing")
    );
    let left: Vec<i64> = templates::list(pool, &rig)
        .await
        .expect("list")
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(left, [full.id]);
    assert!(templates::any(pool, &rig).await.expect("any"));
    assert!(matches!(
        templates::new_version(pool, v3.id, &template("Again", 1), "bob").await,
        Err(TemplateStoreError::Retired(_))
    ));
    assert!(
        templates::get(pool, v3.id)
            .await
            .expect("get")
            .expect("kept")
            .retired_at
            .is_some()
    );
    let r = runs::get(pool, run).await.expect("get").expect("run");
    assert_eq!(r.template.map(|t| t.version), Some(1));
    templates::retire(pool, full.id).await.expect("retire");
    assert!(!templates::any(pool, &rig).await.expect("any"));

    // Deleting the stand takes its templates with its runs, as it does its other rows.
    sqlx::query("DELETE FROM stands WHERE id = 'rig1'")
        .execute(pool)
        .await
        .expect("a stand with templates and runs is deleted");
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM test_templates")
        .fetch_one(pool)
        .await
        .expect("count");
    assert_eq!(left, 1, "the other stand's template stays");
}
