//! The message handler: subscribes to the stands' inbound topics and stores every message.
//!
//! - [`config`]: settings from the environment;
//! - [`stages`]: what the stages hand each other ([`stages::Work`], [`stages::Parsed`]) and
//!   the byte budgets between them; it imports none of the stages;
//!
//! and three sibling stages, which [`spawn`] wires in this order, one direction:
//!
//! - [`mqtt`]: the broker connection: persistent session, QoS 2, manual acks, reconnects;
//! - [`parse`]: batches messages by count and bytes and parses them off the I/O task (the next
//!   batch while the previous one commits);
//! - [`writer`]: writes the waiting batches in one transaction and only then acknowledges
//!   them, retrying while the database is away.
//!
//! Before them, with a shared subscription: [`replica`] takes the numbered slot the handler's
//! MQTT session is named after, and stops the handler when the slot's connection is lost.
//!
//! Beside them, outside the ingest path: [`verdicts`] measures each committed result of a run
//! started from a test template against the template's limits and records the verdict.
//!
//! The MQTT task hands messages to the parse stage through a channel bounded by count
//! (`HANDLER_MAX_BATCH`) and by bytes (`HANDLER_BUFFER_BYTES`, held by each message until its
//! acknowledgement): the MQTT task never waits for the database while there is room, so the
//! connection stays alive (pings, acks) while a slow or absent database holds the writer; when
//! the budget is spent it stops reading and the broker keeps the rest.

mod acks;
pub mod config;
pub mod mmap_threshold;
pub mod mqtt;
pub mod parse;
pub mod replica;
pub mod stages;
pub mod verdicts;
pub mod writer;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use domain::ProtocolValidator;
use domain::health::{self, Health};
use tokio::sync::{mpsc, watch};

pub use config::Config;

/// Why the handler could not run.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The protocol schema could not be loaded.
    #[error(transparent)]
    Schema(#[from] domain::protocol::SchemaError),
    /// The database URL is malformed.
    #[error(transparent)]
    DatabaseUrl(domain::store::StoreError),
    /// A task of the handler failed.
    #[error("handler task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The database connection holding the replica slot was lost: another handler may take
    /// the slot's session now, so this one stopped (its supervisor restarts it).
    #[error("{0}; stopped so that one handler at a time uses the slot's session")]
    ReplicaSlotLost(String),
}

/// A running handler, for tests and the launcher: how many subscriptions the broker confirmed
/// (it grows on every reconnect), its health, and the task to await.
pub struct Running {
    /// Number of SUBACKs received so far.
    pub subscriptions: watch::Receiver<u64>,
    /// Healthy while connected to the broker with every subscription granted and while the
    /// database answers its pings; the binary writes it to its status file
    /// ([`domain::health`]).
    pub health: Health,
    /// The handler; finishes after shutdown.
    pub task: tokio::task::JoinHandle<Result<(), HandlerError>>,
}

/// Starts the handler in the background.
pub fn spawn(config: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> Running {
    let (sub_tx, subscriptions) = watch::channel(0);
    let health = Health::new();
    let task = tokio::spawn(run_inner(config, shutdown, sub_tx, health.clone()));
    Running {
        subscriptions,
        health,
        task,
    }
}

/// Runs the handler until `shutdown` completes; the batch in flight is finished and
/// acknowledged first, so SIGTERM loses nothing.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), HandlerError> {
    spawn(config, shutdown).task.await?
}

async fn run_inner(
    mut config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
    subscriptions: watch::Sender<u64>,
    health: Health,
) -> Result<(), HandlerError> {
    // The broker first: of a handler that neither reaches its broker nor its database, the
    // broker is what to fix first (nothing arrives without it).
    let broker = health.part("not connected to the MQTT broker yet");
    let validator = match &config.schema_path {
        Some(path) => ProtocolValidator::from_file(path)?,
        None => ProtocolValidator::bundled()?,
    }
    .with_max_series(config.max_series);
    // The handler starts without the database and waits for it batch by batch: the broker
    // keeps the messages meanwhile (see `writer`). The other services wait at start-up instead
    // (`domain::store::connect_at_startup`).
    let pool =
        domain::store::connect_lazy(config.database_url.expose(), 4, config.batch_work_mem())
            .map_err(HandlerError::DatabaseUrl)?;
    let mut shutdown = std::pin::pin!(shutdown);
    // With a shared subscription: the slot first, as it names the session.
    let (lost_tx, mut slot_lost) = tokio::sync::oneshot::channel();
    let mut slot_task = None;
    if let Some(max) = config.replica_slots {
        let part = health.part("taking a replica slot");
        let (slot, conn) = tokio::select! {
            () = &mut shutdown => return Ok(()),
            taken = replica::take(&pool, max, &part) => taken,
        };
        part.ok();
        config.client_id = config::slot_client_id(&config.client_id, slot);
        tracing::info!(slot, "took replica slot {slot}");
        slot_task = Some(tokio::spawn(replica::hold(conn, slot, lost_tx)));
    }
    tracing::info!(
        broker = %config.mqtt,
        client_id = %config.client_id,
        topics = ?config.layouts.filters().collect::<Vec<_>>(),
        "message handler starting"
    );

    let database_check = health::spawn_database_check(pool.clone(), &health);
    let (client, eventloop) = mqtt::client(&config);
    let (work_tx, work_rx) = mpsc::channel(config.max_batch);
    // Room for several small parsed batches: the writer takes all that are waiting at once
    // (`Parsed::absorb`); the parse stage's byte budget bounds their bytes.
    let (parsed_tx, parsed_rx) = mpsc::channel(stages::PARSED_AHEAD);
    let budget = stages::Budget::new(config.buffer_bytes);
    let (stop_writer_tx, stop_writer) = watch::channel(false);
    let (stop_mqtt_tx, stop_mqtt) = watch::channel(false);

    let mqtt_task = tokio::spawn(mqtt::drive(
        eventloop,
        client.clone(),
        config.layouts.clone(),
        work_tx,
        budget,
        subscriptions,
        broker,
        stop_mqtt,
    ));
    let parser = Arc::new(parse::Parser::new(config.clone(), validator));
    let parse_task = tokio::spawn(parse::run(parser, work_rx, parsed_tx, stop_writer.clone()));
    let layouts = config.layouts.clone();
    let writer = writer::Writer::new(config, pool.clone(), client.clone());
    // Verdicts beside the ingest path, never inside its transactions.
    let verdict_task = tokio::spawn(verdicts::run(pool.clone(), stop_writer.clone()));
    let writer_task = tokio::spawn(writer.run(parsed_rx, stop_writer));

    let lost = tokio::select! {
        () = &mut shutdown => None,
        lost = &mut slot_lost, if slot_task.is_some() => Some(
            lost.unwrap_or_else(|_| "the task holding the replica slot ended".to_owned()),
        ),
    };
    if let Some(reason) = &lost {
        tracing::error!("{reason}: stopping");
    }
    tracing::info!("shutting down: finishing the batch in flight");
    // A member of a shared subscription leaves the group first: the broker then gives the
    // group's next messages to the others instead of queueing them for this session (which,
    // after a scale-down, no handler may take up again soon).
    if layouts.share_group().is_some() {
        for filter in layouts.filters() {
            let _ = client.try_unsubscribe(filter);
        }
    }
    let _ = stop_writer_tx.send(true);
    let written = writer_task.await;
    parse_task.abort();
    if tokio::time::timeout(Duration::from_secs(5), verdict_task)
        .await
        .is_err()
    {
        tracing::warn!("the verdicts did not stop within 5 s");
    }
    // Acks are queued in the client; give the connection a moment to send them and say goodbye.
    let _ = tokio::time::timeout(Duration::from_secs(2), client.disconnect()).await;
    let _ = tokio::time::timeout(Duration::from_secs(3), async {
        let _ = stop_mqtt_tx.send(true);
        mqtt_task.await
    })
    .await;
    database_check.abort();
    // The slot goes only now, after the session's connection: no other handler takes the
    // session over while this one still uses it.
    if let Some(task) = slot_task {
        task.abort();
    }
    pool.close().await;
    tracing::info!("message handler stopped");
    written?;
    match lost {
        Some(reason) => Err(HandlerError::ReplicaSlotLost(reason)),
        None => Ok(()),
    }
}
