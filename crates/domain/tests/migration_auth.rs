//! The migration `20261201000200_auth_sessions_tokens` on a database that already has sessions
//! and tokens: logged-in users stay logged in (their sessions get their user), sessions of
//! users that are gone are dropped, old tokens do not expire.

use test_support::pg::TestDb;

const AUTH_MIGRATION: i64 = 20261201000200;

#[tokio::test]
async fn existing_sessions_keep_their_user_and_old_tokens_do_not_expire() {
    let db = TestDb::new().await;
    let mut conn = db.pool.acquire().await.expect("connection");
    // The migrations before this one, replayed into a schema of their own.
    sqlx::raw_sql("CREATE SCHEMA before_auth; SET search_path TO before_auth")
        .execute(&mut *conn)
        .await
        .expect("schema");
    let migrations = domain::store::MIGRATOR.iter();
    let (earlier, this): (Vec<_>, Vec<_>) = migrations
        .filter(|m| m.version <= AUTH_MIGRATION)
        .partition(|m| m.version < AUTH_MIGRATION);
    for m in earlier {
        sqlx::raw_sql(m.sql.clone())
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("migration {}: {e}", m.version));
    }
    sqlx::raw_sql(
        "INSERT INTO users (username, password_hash) VALUES ('alice', 'x'), ('bob', 'y');
         INSERT INTO sessions (id, data, expiry_date) VALUES
           ('a', convert_to('{\"user_id\":1}', 'UTF8'), now() + interval '1 day'),
           ('b', convert_to('{\"user_id\":2}', 'UTF8'), now() + interval '1 day'),
           ('gone', convert_to('{\"user_id\":99}', 'UTF8'), now() + interval '1 day'),
           ('junk', convert_to('not json', 'UTF8'), now() + interval '1 day');
         INSERT INTO api_tokens (user_id, name, token_hash) VALUES (1, 'old', '\\x01');",
    )
    .execute(&mut *conn)
    .await
    .expect("old rows");
    let [m] = this.as_slice() else {
        panic!("the migration {AUTH_MIGRATION} is missing");
    };
    sqlx::raw_sql(m.sql.clone())
        .execute(&mut *conn)
        .await
        .expect("the migration");
    let sessions: Vec<(String, i64)> =
        sqlx::query_as("SELECT id, user_id FROM sessions ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .expect("sessions");
    assert_eq!(sessions, [("a".to_owned(), 1), ("b".to_owned(), 2)]);
    let expiry: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT expires_at FROM api_tokens")
            .fetch_one(&mut *conn)
            .await
            .expect("token");
    assert_eq!(expiry, None);
}
