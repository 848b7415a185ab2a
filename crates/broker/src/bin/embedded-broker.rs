//! Runs the embedded broker alone: `embedded-broker [TCP_ADDR] [WS_ADDR]`
//! (defaults 0.0.0.0:8000 and 0.0.0.0:8081). For development and for tests that restart it.
//!
//! Without `EMBEDDED_BROKER_ACCOUNTS` it accepts anonymous clients (and says so), so it is no
//! broker for a network with real stands (the `standhub` launcher's broker has accounts). With
//! `EMBEDDED_BROKER_ACCOUNTS=user:password,user:password` only those accounts may connect; the
//! users `messagehandler` and `webinterface` are services, the only ones allowed the message
//! handler's client id (`standhub-messagehandler…`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let parse = |arg: Option<String>, default: &str, what: &str| {
        let raw = arg.unwrap_or_else(|| default.to_owned());
        raw.parse::<std::net::SocketAddr>()
            .map_err(|e| format!("{what} address {raw:?}: {e}"))
    };
    let addrs = parse(args.next(), "0.0.0.0:8000", "TCP")
        .and_then(|tcp| Ok((tcp, parse(args.next(), "0.0.0.0:8081", "websocket")?)));
    let (tcp, ws) = match addrs {
        Ok(a) => a,
        Err(e) => {
            eprintln!("embedded-broker: {e}\nusage: embedded-broker [TCP_ADDR] [WS_ADDR]");
            return ExitCode::from(2);
        }
    };
    let accounts = std::env::var("EMBEDDED_BROKER_ACCOUNTS").unwrap_or_default();
    let config = if accounts.trim().is_empty() {
        eprintln!(
            "embedded-broker: MQTT on {tcp}, websockets on {ws}; WARNING: anonymous access, \
             for development and tests only"
        );
        broker::BrokerConfig::anonymous(tcp, Some(ws))
    } else {
        let mut config = broker::BrokerConfig::new(tcp, Some(ws));
        for account in accounts.split(',').map(str::trim).filter(|a| !a.is_empty()) {
            let Some((user, password)) = account.split_once(':') else {
                eprintln!("embedded-broker: EMBEDDED_BROKER_ACCOUNTS: expected user:password");
                return ExitCode::from(2);
            };
            config.users.insert(user.to_owned(), password.to_owned());
        }
        config.service_users = ["messagehandler", "webinterface"]
            .map(str::to_owned)
            .into_iter()
            .collect();
        config.reserved_client_ids = vec!["standhub-messagehandler".to_owned()];
        eprintln!(
            "embedded-broker: MQTT on {tcp}, websockets on {ws}; {} account(s)",
            config.users.len()
        );
        config
    };
    match broker::run(&config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("embedded-broker: {e}");
            ExitCode::FAILURE
        }
    }
}
