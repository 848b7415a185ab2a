//! The migration `20261201000200_auth_sessions_tokens` on a database that already has sessions
//! and tokens: logged-in users stay logged in (their sessions get their user), sessions of
//! users that are gone are dropped, old tokens do not expire.

mod common;

const AUTH_MIGRATION: i64 = 20261201000200;

#[tokio::test]
async fn existing_sessions_keep_their_user_and_old_tokens_do_not_expire() {
    let mut old = common::OldSchema::before("before_auth", AUTH_MIGRATION).await;
    sqlx::raw_sql(
        "INSERT INTO users (username, password_hash) VALUES ('alice', 'x'), ('bob', 'y');
         INSERT INTO sessions (id, data, expiry_date) VALUES
           ('a', convert_to('{\"user_id\":1}', 'UTF8'), now() + interval '1 day'),
           ('b', convert_to('{\"user_id\":2}', 'UTF8'), now() + interval '1 day'),
           ('gone', convert_to('{\"user_id\":99}', 'UTF8'), now() + interval '1 day'),
           ('junk', convert_to('not json', 'UTF8'), now() + interval '1 day');
         INSERT INTO api_tokens (user_id, name, token_hash) VALUES (1, 'old', '\\x01');",
    )
    .execute(&mut *old.conn)
    .await
    .expect("old rows");
    old.migrate().await;
    let sessions: Vec<(String, i64)> =
        sqlx::query_as("SELECT id, user_id FROM sessions ORDER BY id")
            .fetch_all(&mut *old.conn)
            .await
            .expect("sessions");
    assert_eq!(sessions, [("a".to_owned(), 1), ("b".to_owned(), 2)]);
    let expiry: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT expires_at FROM api_tokens")
            .fetch_one(&mut *old.conn)
            .await
            .expect("token");
    assert_eq!(expiry, None);
}
