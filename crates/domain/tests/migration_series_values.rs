//! The migration `20261201120000_series_values_binary` on a database that already has series
//! stored as `float8[]`: every value comes out as the same 64 bits (as `float8send` bytes),
//! an empty numeric series as no bytes, a non-numeric series without values, and the new
//! length check holds for all of them.

mod common;

const SERIES_MIGRATION: i64 = 20261201120000;

#[tokio::test]
async fn old_float8_arrays_become_the_same_doubles_as_bytes() {
    let mut old = common::OldSchema::before("before_series", SERIES_MIGRATION).await;
    let values = common::EDGE_DOUBLES;
    sqlx::query("INSERT INTO stands (id, name) VALUES ('s', 's')")
        .execute(&mut *old.conn)
        .await
        .expect("stand");
    let result: i64 = sqlx::query_scalar(
        "INSERT INTO results (stand_id, sent_by, protocol_version, status_code, data)
         VALUES ('s', 's', 1.1, 200, '{}') RETURNING id",
    )
    .fetch_one(&mut *old.conn)
    .await
    .expect("result");
    sqlx::query(
        "INSERT INTO result_series (result_id, position, name, numeric, len, \"values\") VALUES
           ($1, 0, 'u', true, $3, $2), ($1, 1, 'none', true, 0, '{}'),
           ($1, 2, 'label', false, 2, NULL)",
    )
    .bind(result)
    .bind(&values[..])
    .bind(i32::try_from(values.len()).expect("len"))
    .execute(&mut *old.conn)
    .await
    .expect("old series");

    old.migrate().await;

    let rows: Vec<(String, Option<Vec<u8>>)> = sqlx::query_as(
        "SELECT name, \"values\" FROM result_series WHERE result_id = $1 ORDER BY position",
    )
    .bind(result)
    .fetch_all(&mut *old.conn)
    .await
    .expect("series");
    let expected: Vec<u8> = values.iter().flat_map(|v| v.to_be_bytes()).collect();
    assert_eq!(
        rows,
        [
            ("u".to_owned(), Some(expected.clone())),
            ("none".to_owned(), Some(Vec::new())),
            ("label".to_owned(), None),
        ]
    );
    let back = domain::store::series::decode_values(&expected).expect("whole doubles");
    assert_eq!(
        back.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        values.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        "the same 64 bits"
    );
    let short = sqlx::query(
        "UPDATE result_series SET \"values\" = substring(\"values\" FROM 2)
         WHERE result_id = $1 AND position = 0",
    )
    .bind(result)
    .execute(&mut *old.conn)
    .await
    .expect_err("a byte short of the series' length");
    assert!(
        short.to_string().contains("result_series_values_length"),
        "{short}"
    );
}
