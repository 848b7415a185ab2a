//! The operator commands of the `webinterface` binary, named like Django's because the lab
//! knows those: `serve`, `migrate`, `createsuperuser`, `createuser`, `changepassword`,
//! `createtoken`, `check`; and `import-django`, which takes over the old stack's data.
//!
//! Passwords come from, in this order: `--password-stdin` (one line on standard input), the
//! `WEBINTERFACE_PASSWORD` variable, or a prompt when standard input is a terminal.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use domain::store::users::{self, Role};
use sqlx::PgPool;

use crate::auth;
use crate::config::Config;
use crate::state::AppState;

/// The variable read for the password when not interactive.
pub const PASSWORD_ENV: &str = "WEBINTERFACE_PASSWORD";

/// Web interface of the stand hub, and its operator commands.
#[derive(Debug, Parser)]
#[command(name = "webinterface", version, about)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve the web interface on WEB_BIND (default).
    Serve {
        /// Listen here instead of WEB_BIND.
        #[arg(long)]
        bind: Option<std::net::SocketAddr>,
    },
    /// Apply pending database migrations and print what was applied.
    Migrate,
    /// Make an admin account.
    Createsuperuser {
        /// Login name.
        #[arg(long)]
        username: String,
        /// E-mail address.
        #[arg(long, default_value = "")]
        email: String,
        /// Read the password from one line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Make an account with a role.
    Createuser {
        /// Login name.
        #[arg(long)]
        username: String,
        /// E-mail address.
        #[arg(long, default_value = "")]
        email: String,
        /// admin, operator or viewer.
        #[arg(long)]
        role: Role,
        /// Read the password from one line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password.
    Changepassword {
        /// Login name.
        username: String,
        /// Read the password from one line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Make an API token for a user and print it (it is shown only this once).
    Createtoken {
        /// Login name.
        username: String,
        /// A label for the token.
        #[arg(long, default_value = "cli")]
        name: String,
        /// How long the token works: days, hours or minutes (90d, 12h, 30m), or `never`.
        /// The default, 90 days, makes a forgotten or leaked token stop working on its own.
        #[arg(long, default_value = auth::tokens::DEFAULT_EXPIRES_IN)]
        expires_in: String,
    },
    /// Make a stand's own account on the all-in-one launcher's embedded broker (user name = the
    /// stand id), or give it a new password, and print the password (shown only this once).
    /// The account may publish only to the stand's inbound topics and read only its outbound
    /// ones. Under docker-compose, Mosquitto has its own: `mosquitto/add-user.sh <stand>`.
    StandAccount {
        /// The stand id (as in its topics).
        stand: String,
        /// Delete the account instead (the stand can no longer log in).
        #[arg(long)]
        remove: bool,
    },
    /// Check the configuration, the database (and its migrations) and the broker.
    Check,
    /// Import the results, status history and keep flags of the old (Django) stack's
    /// database; running it again imports nothing twice.
    ImportDjango {
        /// The old database, e.g. postgres://team2:PASSWORD@localhost:5433/webinterface_dev.
        #[arg(long)]
        from: String,
        /// The stand the old stack's data belongs to (it served one).
        #[arg(long, default_value = "demo_module")]
        stand: String,
    },
}

/// Runs the command; serving stops on Ctrl-C or SIGTERM.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve { bind: None });
    let config = Config::from_env()?;
    match command {
        Command::Serve { bind } => serve(config, bind).await,
        Command::Migrate => {
            let pool = connect(&config).await?;
            let applied = domain::store::migrate(&pool).await.map_err(migrate_error)?;
            if applied.is_empty() {
                println!("No migrations to apply: the database is up to date.");
            }
            for (version, description) in applied {
                println!("Applied {version} {description}");
            }
            Ok(())
        }
        Command::Createsuperuser {
            username,
            email,
            password_stdin,
        } => create_user(&config, &username, &email, Role::Admin, password_stdin).await,
        Command::Createuser {
            username,
            email,
            role,
            password_stdin,
        } => create_user(&config, &username, &email, role, password_stdin).await,
        Command::Changepassword {
            username,
            password_stdin,
        } => {
            let pool = connect(&config).await?;
            let password = read_password(password_stdin)?;
            let hash = auth::hash_password(&password)?;
            // Ends every session of the user in the same transaction.
            users::set_password(&pool, &username, &hash).await?;
            println!("Password of {username} changed; their sessions were ended.");
            Ok(())
        }
        Command::Createtoken {
            username,
            name,
            expires_in,
        } => {
            let lifetime = auth::parse_expires_in(&expires_in)
                .map_err(|e| anyhow::Error::msg(e.english()))
                .context("--expires-in")?;
            let expires_at = lifetime.map(|d| chrono::Utc::now() + d);
            let pool = connect(&config).await?;
            let user = users::by_username(&pool, &username)
                .await?
                .with_context(|| format!("no user {username:?}"))?;
            let token = auth::create_token_until(&pool, &user, &name, expires_at).await?;
            println!("{token}");
            let until = match expires_at {
                Some(at) => format!("it works until {} UTC", at.format("%Y-%m-%d %H:%M")),
                None => "it does not expire".to_owned(),
            };
            eprintln!("Token for {username}: keep it safe, it is not shown again; {until}.");
            Ok(())
        }
        Command::StandAccount { stand, remove } => {
            stand_account(&connect(&config).await?, &stand, remove).await
        }
        Command::Check => check(&config).await,
        Command::ImportDjango { from, stand } => {
            let stand = domain::StandId::parse(&stand).context("--stand")?;
            let pool = connect(&config).await?;
            domain::store::migrate(&pool).await.context("migrating")?;
            let summary = crate::import_django::run(&pool, &from, &stand).await?;
            println!("{summary}");
            Ok(())
        }
    }
}

/// The SQLSTATE of "permission denied" (`insufficient_privilege`).
const INSUFFICIENT_PRIVILEGE: &str = "42501";

/// `migrate`'s error: when the database refused for want of privilege (the service role,
/// e.g. `standhub_web` under docker-compose, may not change the schema), what to run instead.
fn migrate_error(e: domain::store::StoreError) -> anyhow::Error {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    let mut denied = false;
    while let Some(err) = source {
        denied |= err
            .downcast_ref::<sqlx::Error>()
            .and_then(|e| e.as_database_error())
            .and_then(|db| db.code())
            .is_some_and(|code| code == INSUFFICIENT_PRIVILEGE);
        source = err.source();
    }
    if denied {
        anyhow::Error::new(e).context(
            "migrating: DATABASE_URL's role may not change the schema (permission denied, \
             SQLSTATE 42501); the migrations must run as the schema's owner (POSTGRES_USER). \
             Under docker-compose run `docker-compose run --rm migrate`; natively set \
             DATABASE_URL to the owner's URL for `webinterface migrate`",
        )
    } else {
        anyhow::Error::new(e).context("migrating")
    }
}

async fn connect(config: &Config) -> anyhow::Result<PgPool> {
    domain::store::connect(config.database_url.expose(), 10)
        .await
        .context("cannot connect to DATABASE_URL")
}

async fn create_user(
    config: &Config,
    username: &str,
    email: &str,
    role: Role,
    password_stdin: bool,
) -> anyhow::Result<()> {
    let pool = connect(config).await?;
    let password = read_password(password_stdin)?;
    let hash = auth::hash_password(&password)?;
    users::create(&pool, username, email, &hash, role).await?;
    println!("User {username} created with role {role}.");
    Ok(())
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if password.is_empty() {
            bail!("--password-stdin: standard input held no password");
        }
        return Ok(password);
    }
    if let Ok(password) = std::env::var(PASSWORD_ENV)
        && !password.is_empty()
    {
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "no password: standard input is not a terminal; use --password-stdin or set \
             {PASSWORD_ENV}"
        );
    }
    let first = rpassword::prompt_password("Password: ")?;
    let second = rpassword::prompt_password("Password (again): ")?;
    if first != second {
        bail!("the passwords differ");
    }
    Ok(first)
}

async fn serve(config: Config, bind: Option<std::net::SocketAddr>) -> anyhow::Result<()> {
    let pool = domain::store::connect_at_startup(
        "webinterface",
        config.database_url.expose(),
        10,
        domain::store::STARTUP_WAIT,
    )
    .await?;
    // Only when some are pending: the web interface's own role (least privilege) may not
    // change the schema, and needs not when `webinterface migrate` ran as the owner first.
    let pending = domain::store::database::pending_migrations(&pool).await;
    if !pending.is_empty() {
        let applied = domain::store::migrate(&pool).await.with_context(|| {
            format!(
                "migrating ({} pending; when DATABASE_URL is a role that may not change the \
                 schema, run `webinterface migrate` with the owner's URL first)",
                pending.len()
            )
        })?;
        for (version, description) in applied {
            tracing::info!(version, description, "applied migration");
        }
    }
    if !config.shared_clients.0.is_empty() {
        tracing::warn!(
            shared_clients = %config.shared_clients,
            "SHARED_CLIENTS: many people log in from these addresses (e.g. the Docker host \
             through Docker's port proxy); failed logins from them are counted per address and \
             user name, not per address"
        );
    }
    let addr = bind.unwrap_or(config.bind);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (WEB_BIND)"))?;
    tracing::info!(address = %listener.local_addr()?, mqtt = %config.mqtt, "web interface listening");
    let state = AppState::new(pool, config);
    crate::serve(listener, state, domain::telemetry::shutdown_signal()).await?;
    tracing::info!("web interface stopped");
    Ok(())
}

async fn check(config: &Config) -> anyhow::Result<()> {
    let mut failed = false;
    println!(
        "ok   configuration (WEB_BIND {}, MQTT_URL {})",
        config.bind, config.mqtt
    );
    match connect(config).await {
        Ok(pool) => {
            println!("ok   database reachable");
            let pending = domain::store::database::pending_migrations(&pool).await;
            if pending.is_empty() {
                println!("ok   migrations applied");
            } else {
                failed = true;
                println!("FAIL migrations pending: {pending:?} (run `webinterface migrate`)");
            }
            match users::count(&pool).await {
                Ok(0) => {
                    println!("warn no users yet (run `webinterface createsuperuser --username …`)")
                }
                Ok(n) => println!("ok   {n} users"),
                Err(e) => {
                    failed = true;
                    println!("FAIL users table: {e}");
                }
            }
        }
        Err(e) => {
            failed = true;
            println!("FAIL database: {e:#}");
        }
    }
    let publisher = crate::publish::Publisher::new(config.mqtt.clone(), config.publish_timeout);
    match publisher.check().await {
        Ok(()) => println!("ok   broker reachable"),
        Err(e) => {
            failed = true;
            println!("FAIL broker: {e}");
        }
    }
    if failed {
        bail!("check failed");
    }
    Ok(())
}

/// `stand-account` (also `standhub stand-account`): makes, renews or removes a stand's
/// account on the launcher's broker and prints the password.
pub async fn stand_account(pool: &sqlx::PgPool, stand: &str, remove: bool) -> anyhow::Result<()> {
    let id = domain::StandId::parse(stand)
        .map_err(|e| anyhow::anyhow!("{stand:?} is not a stand id: {e}"))?;
    if remove {
        if domain::store::mqtt_accounts::remove(pool, &id).await? {
            println!(
                "The MQTT account of {id} is deleted; the launcher's broker refuses it within 2 s."
            );
        } else {
            println!("{id} has no MQTT account; nothing to delete.");
        }
        return Ok(());
    }
    let password = domain::store::mqtt_accounts::replace(pool, &id).await?;
    println!("MQTT account of stand {id} (the launcher's embedded broker; usable within 2 s):");
    println!("  user:     {id}");
    println!("  password: {password}");
    println!(
        "It is shown only this once; run this again for a new one (the old one then stops working)."
    );
    Ok(())
}
