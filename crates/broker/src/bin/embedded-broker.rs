//! Runs the embedded broker alone: `embedded-broker [TCP_ADDR] [WS_ADDR]`
//! (defaults 0.0.0.0:8000 and 0.0.0.0:8081). For development and for tests that restart it.

fn main() -> std::process::ExitCode {
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
            return std::process::ExitCode::from(2);
        }
    };
    eprintln!("embedded-broker: MQTT on {tcp}, websockets on {ws}");
    match broker::run(&broker::BrokerConfig::new(tcp, Some(ws))) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("embedded-broker: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
