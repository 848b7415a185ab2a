//! The all-in-one launcher: the web interface, the message handler, the scheduler and the video
//! relay in one process, with the embedded MQTT broker (rumqttd) and, when no `DATABASE_URL` is
//! given, a private PostgreSQL cluster kept in the data directory.
//!
//! - [`Options`]: the command line (every option also an environment variable);
//! - [`database`]: the private cluster: made on first start, kept across restarts, stopped on
//!   exit, and the `standhub` database in it;
//! - [`first_start`]: the secret key kept in the data directory and the first admin account;
//! - [`mqtt_accounts`]: the embedded broker's service accounts, kept in the data directory;
//! - [`stand_access`]: the stands' own accounts (from the database) and what each may publish
//!   and subscribe to, enforced by the broker;
//! - [`run`]: checks the ports, starts everything, and stops it all in order on shutdown;
//! - [`simulate`]: `standhub simulate`, a test stand without hardware.

pub mod database;
pub mod first_start;
pub mod mqtt_accounts;
pub mod simulate;
pub mod stand_access;

use std::future::Future;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

/// The launcher's command line; each option may also come from the environment (or `.env`).
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "standhub", version, about)]
pub struct Options {
    /// Where the private PostgreSQL cluster, the secret key and the first admin's password live.
    #[arg(long, env = "STANDHUB_DATA_DIR", default_value = "standhub-data")]
    pub data_dir: PathBuf,
    /// An existing PostgreSQL database to use instead of the private cluster.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The web interface's address.
    #[arg(long, env = "WEB_BIND", default_value = "0.0.0.0:8001")]
    pub web_bind: SocketAddr,
    /// The video relay's address.
    #[arg(long, env = "VIDEOSTREAM_BIND", default_value = "0.0.0.0:5555")]
    pub videostream_bind: SocketAddr,
    /// The embedded MQTT broker's TCP listener.
    #[arg(long, env = "MQTT_BIND", default_value = "0.0.0.0:8000")]
    pub mqtt_bind: SocketAddr,
    /// The embedded MQTT broker's websocket listener.
    #[arg(long, env = "MQTT_WS_BIND", default_value = "0.0.0.0:8081")]
    pub mqtt_ws_bind: SocketAddr,
    /// The first admin's password (otherwise one is generated and printed on first start).
    #[arg(long, env = "STANDHUB_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    /// Let MQTT clients connect to the embedded broker without an account. Anyone who reaches
    /// the broker's ports (a web page in a lab browser too) can then command the stands.
    #[arg(long, env = "MQTT_ALLOW_ANONYMOUS", default_value_t = false,
          action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_anonymous_mqtt: bool,
    /// Migration mode, off by default: the old stack's one MQTT account for every stand (its
    /// user name, e.g. team2), accepted on every stand's old inbound topics
    /// (Testdevice/<stand>/Inbound) and old outbound topics. Anyone holding its password can
    /// speak for any stand: move each stand to its own account, then turn it off.
    #[arg(long, env = "MQTT_LEGACY_STAND_USER")]
    pub legacy_stand_user: Option<String>,
    /// The shared account's password (the old stands' one).
    #[arg(long, env = "MQTT_LEGACY_STAND_PASSWORD", hide_env_values = true)]
    pub legacy_stand_password: Option<String>,
    /// Something else than running the stack (without one, the stack runs).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The launcher's subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// A simulated test stand: reports ready, answers commands with 202, then data and 200.
    Simulate(simulate::SimulateOptions),
    /// Make a stand's own MQTT account (user name = the stand id), or give it a new password,
    /// and print the password (shown only this once). Works on the running launcher's
    /// database (or --database-url); the broker accepts it within a second.
    StandAccount {
        /// The stand id (as in its topics).
        stand: String,
        /// Delete the account instead (the stand can no longer log in).
        #[arg(long)]
        remove: bool,
    },
}

/// `standhub stand-account`: on `DATABASE_URL`, or on the private cluster of a running
/// launcher (it is not started here, so it is never stopped under one).
pub async fn stand_account(options: &Options, stand: &str, remove: bool) -> anyhow::Result<()> {
    let url = match &options.database_url {
        Some(url) => url.clone(),
        None => database::running_cluster_url(&options.data_dir)?,
    };
    let pool =
        domain::store::connect_at_startup("standhub", &url, 1, Duration::from_secs(5)).await?;
    webinterface::cli::stand_account(&pool, stand, remove).await
}

/// Runs the whole stack until `shutdown` completes or a service fails; then stops the services,
/// and the private cluster last.
pub async fn run(options: Options, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    // Settings and ports first: a mistake should not cost a database start to find out.
    let legacy = stand_access::LegacyAccount::from_settings(
        options.legacy_stand_user.as_deref(),
        options.legacy_stand_password.as_deref(),
    )?;
    let web = bind(options.web_bind, "WEB_BIND / --web-bind")?;
    let video = bind(
        options.videostream_bind,
        "VIDEOSTREAM_BIND / --videostream-bind",
    )?;
    for (addr, what) in [
        (options.mqtt_bind, "MQTT_BIND / --mqtt-bind"),
        (options.mqtt_ws_bind, "MQTT_WS_BIND / --mqtt-ws-bind"),
    ] {
        drop(bind(addr, what)?);
    }
    std::fs::create_dir_all(&options.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {} (STANDHUB_DATA_DIR / --data-dir)",
            options.data_dir.display()
        )
    })?;

    let db = database::Database::open(&options).await?;
    let pool =
        domain::store::connect_at_startup("standhub", db.url(), 20, domain::store::STARTUP_WAIT)
            .await?;
    for (version, description) in database::migrate(&pool).await? {
        println!("standhub: applied migration {version} {description}");
    }
    let secret = first_start::secret_key(&options.data_dir)?;
    let admin = first_start::ensure_admin(&pool, &options).await?;

    let mqtt_port = options.mqtt_bind.port();
    let accounts = mqtt_accounts::Accounts::load_or_create(&options.data_dir)?;
    if accounts.shared_stand_account {
        eprintln!("{SHARED_STAND_WARNING}");
    }
    let first_stand = if accounts.first_start {
        Some(first_stand_account(&pool, &options).await?)
    } else {
        None
    };

    // The services read their usual variables; these defaults point them at our own parts.
    let own_broker = domain::config::var("MQTT_URL").is_none();
    domain::config::provide_default("DATABASE_URL", db.url());
    domain::config::provide_default("MQTT_URL", accounts.url(mqtt_accounts::HANDLER, mqtt_port));
    domain::config::provide_default("SECRET_KEY", secret);
    let mut web_config = webinterface::Config::from_env()?;
    if own_broker {
        web_config.mqtt = accounts
            .url(mqtt_accounts::WEB, mqtt_port)
            .parse()
            .map_err(|e| anyhow::anyhow!("the web interface's broker URL: {e}"))?;
    }
    web_config.stand_accounts_here = true;
    let handler_config = messagehandler::Config::from_env()?;
    let scheduler_config = scheduler::Config::from_env()?;

    let stop = CancellationToken::new();
    let mut access = stand_access::StandAccess::new(
        handler_config.layouts.clone(),
        accounts.passwords.keys().cloned().collect(),
    );
    if let Some(legacy) = legacy.clone() {
        access = access.with_legacy(legacy);
    }
    access.set_accounts(domain::store::mqtt_accounts::all(&pool).await?);
    let accounts_task = tokio::spawn(access.clone().keep_fresh(pool.clone(), stop.clone()));
    let warnings = warnings(&options, legacy.as_ref());
    for w in &warnings {
        eprintln!("{w}");
    }
    let mut metrics = webinterface::metrics::Metrics::new();
    let refusals = metrics.count_broker_refusals();
    start_broker(&options, &accounts, access, refusals)?;
    let mut video_settings = videostream::Settings::from_env()?;
    // Cameras may not point at this process's own listeners, however they were given (flags
    // or environment).
    for (what, bind) in [
        ("the web interface", options.web_bind),
        ("the video relay", options.videostream_bind),
        ("the MQTT broker", options.mqtt_bind),
        ("the MQTT broker's websockets", options.mqtt_ws_bind),
    ] {
        video_settings
            .policy
            .own_services
            .push(domain::camera_policy::own_service_from_bind(what, bind));
    }

    let web_state = webinterface::AppState::with_metrics(pool.clone(), web_config, metrics);
    let web_task = tokio::spawn(webinterface::serve(
        tokio::net::TcpListener::from_std(web)?,
        web_state,
        stop.clone().cancelled_owned(),
    ));
    let handler = messagehandler::spawn(handler_config, stop.clone().cancelled_owned());
    let scheduler_task = tokio::spawn(scheduler::run(
        scheduler_config,
        pool.clone(),
        stop.clone().cancelled_owned(),
    ));
    let video_task = tokio::spawn(videostream::run(
        tokio::net::TcpListener::from_std(video)?,
        pool.clone(),
        video_settings,
        stop.clone().cancelled_owned(),
    ));

    // "Running" means ready to ingest: the handler has subscribed (or 10 s passed).
    let mut subscriptions = handler.subscriptions.clone();
    if tokio::time::timeout(Duration::from_secs(10), subscriptions.wait_for(|n| *n > 0))
        .await
        .is_err()
    {
        tracing::warn!("the message handler has not subscribed yet; it keeps trying");
    }
    print_banner(&options, &db, admin.as_ref(), first_stand.as_ref());
    for w in &warnings {
        eprintln!("{w}");
    }

    let mut web_task = web_task;
    let mut handler_task = handler.task;
    let mut scheduler_task = scheduler_task;
    let mut video_task = video_task;
    // Whichever ends first (the shutdown, or a service failing) stops the others.
    let early: Option<anyhow::Error> = tokio::select! {
        () = shutdown => None,
        r = &mut web_task => Some(ended("web interface", r.map(|r| r.map_err(anyhow::Error::from)))),
        r = &mut handler_task => Some(ended("message handler", r.map(|r| r.map_err(anyhow::Error::from)))),
        r = &mut scheduler_task => Some(ended("scheduler", r.map(|r| r.map_err(anyhow::Error::from)))),
        r = &mut video_task => Some(ended("video relay", r.map(|r| r.map_err(anyhow::Error::from)))),
    };
    println!("standhub: stopping");
    stop.cancel();
    stop_within("web interface", web_task).await;
    stop_within("message handler", handler_task).await;
    stop_within("scheduler", scheduler_task).await;
    stop_within("video relay", video_task).await;
    accounts_task.abort();
    pool.close().await;
    db.stop().await;
    println!("standhub: stopped");
    match early {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Binds a listener now, so a taken port is one clear error before anything starts.
fn bind(addr: SocketAddr, what: &str) -> anyhow::Result<StdListener> {
    let listener = StdListener::bind(addr).map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on {addr}: {e}. Another program (or another standhub) uses the \
             port: stop it, or choose another address with {what}"
        )
    })?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// Printed at every start with `--allow-anonymous-mqtt` (before and after the banner).
pub const ANONYMOUS_WARNING: &str = "standhub: WARNING: the MQTT broker accepts clients without \
     an account (--allow-anonymous-mqtt / MQTT_ALLOW_ANONYMOUS): anyone who reaches its ports, a \
     web page in a lab browser included, can command the stands and take over the message \
     handler's session. Use it only on a machine no one else can reach.";

/// Printed at every start in migration mode (`MQTT_LEGACY_STAND_USER`), after the user name.
pub const LEGACY_WARNING: &str = "may publish to every stand's old inbound topics \
     (Testdevice/<stand>/Inbound) and read their outbound ones: anyone holding its password can \
     speak for any stand. Give each stand its own account (`standhub stand-account <stand>`, the \
     stand's id as user name), change the stand's login, then unset MQTT_LEGACY_STAND_USER.";

/// The warnings printed before and after the banner.
fn warnings(options: &Options, legacy: Option<&stand_access::LegacyAccount>) -> Vec<String> {
    let mut out = Vec::new();
    if options.allow_anonymous_mqtt {
        out.push(ANONYMOUS_WARNING.to_owned());
    }
    if let Some(legacy) = legacy {
        out.push(format!(
            "standhub: WARNING: migration mode: the shared stand account `{}` {LEGACY_WARNING}",
            legacy.user()
        ));
    }
    out
}

/// Printed at every start while `mqtt-accounts` still has the shared stand account.
pub const SHARED_STAND_WARNING: &str = "standhub: WARNING: the shared MQTT account `stand` of \
     earlier versions is no longer accepted: any holder could speak for every stand. Give each \
     stand its own account (user name = stand id): `standhub stand-account <stand>` or the \
     stand's admin page, then delete the `stand` line of mqtt-accounts in the data directory.";

/// The first start's stand account ([`mqtt_accounts::DEMO_STAND`]), shown once.
struct FirstStand {
    password: String,
    file: PathBuf,
}

async fn first_stand_account(pool: &sqlx::PgPool, options: &Options) -> anyhow::Result<FirstStand> {
    let demo = domain::StandId::parse(mqtt_accounts::DEMO_STAND)?;
    let password = domain::store::mqtt_accounts::replace(pool, &demo).await?;
    let file = options.data_dir.join(mqtt_accounts::STAND_PASSWORD_FILE);
    first_start::write_private(&file, &format!("{password}\n"))?;
    Ok(FirstStand { password, file })
}

fn start_broker(
    options: &Options,
    accounts: &mqtt_accounts::Accounts,
    access: stand_access::StandAccess,
    refusals: webinterface::metrics::BrokerRefusals,
) -> anyhow::Result<()> {
    let mut config = accounts.broker_config(broker::BrokerConfig::new(
        options.mqtt_bind,
        Some(options.mqtt_ws_bind),
    ));
    config.allow_anonymous = options.allow_anonymous_mqtt;
    let login = access.clone();
    config.more_accounts = Some(std::sync::Arc::new(move |user: &str, password: &str| {
        login.admits(user, password)
    }));
    config.topic_access = Some(std::sync::Arc::new(move |asked: &broker::Access<'_>| {
        let allowed = access.allows(asked);
        if !allowed {
            refusals.count(
                stand_access::action_label(asked.action),
                asked.user.unwrap_or_default(),
            );
        }
        allowed
    }));
    broker::spawn(config).context("cannot start the embedded MQTT broker")?;
    // rumqttd binds in its own thread: wait until it accepts, so the services find it at once.
    let probe = SocketAddr::from(([127, 0, 0, 1], options.mqtt_bind.port()));
    for _ in 0..200 {
        if std::net::TcpStream::connect_timeout(&probe, Duration::from_millis(100)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    anyhow::bail!(
        "the embedded MQTT broker did not start listening on {}",
        options.mqtt_bind
    )
}

/// The message for a service that ended before the launcher asked it to.
fn ended(name: &str, result: Result<anyhow::Result<()>, tokio::task::JoinError>) -> anyhow::Error {
    match result {
        Ok(Ok(())) => anyhow::anyhow!("the {name} stopped unexpectedly"),
        Ok(Err(e)) => e.context(format!("the {name} failed")),
        Err(e) => anyhow::anyhow!("the {name} crashed: {e}"),
    }
}

/// Waits up to 20 s for a service to finish its work after the shutdown (a task the `select!`
/// above already saw end is not polled again).
async fn stop_within<T>(name: &str, task: tokio::task::JoinHandle<T>) {
    if task.is_finished() {
        return;
    }
    if tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .is_err()
    {
        tracing::warn!(service = name, "did not stop within 20 s");
    }
}

fn print_banner(
    options: &Options,
    db: &database::Database,
    admin: Option<&first_start::NewAdmin>,
    first_stand: Option<&FirstStand>,
) {
    let host = |addr: SocketAddr| {
        if addr.ip().is_unspecified() {
            format!("localhost:{}", addr.port())
        } else {
            addr.to_string()
        }
    };
    println!();
    println!("standhub is running. Stop it with Ctrl-C.");
    println!("  web interface  http://{}/", host(options.web_bind));
    println!(
        "  MQTT broker    mqtt://{}  websockets ws://{}/mqtt",
        host(options.mqtt_bind),
        host(options.mqtt_ws_bind)
    );
    println!(
        "  video relay    http://{}/",
        host(options.videostream_bind)
    );
    println!("  database       {}", db.describe());
    match admin {
        Some(new) => {
            println!();
            for line in new.banner_lines() {
                println!("{line}");
            }
        }
        None => println!("  Log in with your account (the first admin is `admin`)."),
    }
    let demo = mqtt_accounts::DEMO_STAND;
    if let Some(first) = first_stand {
        println!();
        println!(
            "  First start: stand `{demo}` connects to the MQTT broker as user `{demo}` with password: {}",
            first.password
        );
        println!(
            "  (also written to {}; delete it once the stand has it)",
            first.file.display()
        );
        println!(
            "  Try it: standhub simulate --stand {demo} --mqtt-url 'mqtt://{demo}:{}@{}'",
            first.password,
            host(options.mqtt_bind)
        );
    }
    if !options.allow_anonymous_mqtt {
        println!(
            "  Each stand logs in with its own account (user name = stand id): make one on the \
             stand's admin page or with `standhub stand-account <stand>`."
        );
    }
    println!(
        "  Operator commands: DATABASE_URL='{}' webinterface --help",
        db.url()
    );
    println!();
}
