//! A flood of made-up stand ids stops at the registration cap
//! (`HANDLER_MAX_NEW_STANDS_PER_MINUTE`): the first stands of the minute register, the rest's
//! messages go to the quarantine as `registration_limit`, with a warning in the handler's log
//! and the figure `/metrics` shows; known stands are not held up.

mod common;

use common::*;
use test_support::mqtt::{Broker, BrokerKind};
use test_support::pg::TestDb;

const CAP: i64 = 5;
const FLOOD: i64 = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_new_stand_ids_stops_at_the_cap_with_a_log_line_and_a_figure() {
    let db = TestDb::new().await;
    db.exec("INSERT INTO stands (id, name) VALUES ('known', 'Known')")
        .await;
    let broker = Broker::start(BrokerKind::Embedded);
    let cap = CAP.to_string();
    let env = [("HANDLER_MAX_NEW_STANDS_PER_MINUTE", cap.as_ref())];
    let (handler, mut flood, _) = probed_handler(&db, &broker, "flood", &env).await;

    let fakes = (0..FLOOD).map(|n| format!("fake{n:03}"));
    for stand in fakes.chain(["known".to_owned()]) {
        flood
            .publish_status(&format!("{stand}/inbound"), QoS::AtLeastOnce, "200", &stand)
            .await;
    }
    flood.flush().await;

    // The probe stand took one place of the minute's cap.
    let registered = CAP - 1;
    let refused = wait_count(
        &db.pool,
        "SELECT count(*) FROM quarantine WHERE kind = 'registration_limit'",
        FLOOD - registered,
    )
    .await;
    assert_eq!(refused, FLOOD - registered);
    wait_count(
        &db.pool,
        "SELECT count(*) FROM status_history WHERE stand_id <> 'probe'",
        registered + 1,
    )
    .await;
    let fakes = db
        .count("SELECT count(*) FROM stands WHERE id LIKE 'fake%'")
        .await;
    assert_eq!(fakes, registered, "only the cap's room registered");
    let known = db
        .count("SELECT count(*) FROM status_history WHERE stand_id = 'known'")
        .await;
    assert_eq!(known, 1, "a known stand is not held up by the flood");

    let reason: String = sqlx::query_scalar(
        "SELECT reason FROM quarantine WHERE kind = 'registration_limit' LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .expect("reason");
    assert!(
        reason.contains("HANDLER_MAX_NEW_STANDS_PER_MINUTE"),
        "{reason}"
    );
    let figures = domain::store::metrics::read(&db.pool)
        .await
        .expect("figures");
    assert_eq!(figures.registrations_refused, FLOOD - registered);
    let log = handler.log();
    assert!(
        log.contains("new stands refused"),
        "the handler says why:\n{log}"
    );
}
