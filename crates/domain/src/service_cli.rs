//! The command line the long-running services share: without a command the service runs; with
//! `healthcheck` it says whether the one running in this container is healthy
//! ([`crate::health::healthcheck`]). `--help` ends with the service's environment variables.

use clap::Command;

/// What a service's command line asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No command: run until SIGTERM or Ctrl-C.
    Run,
    /// `healthcheck`: read the status file, print one line, exit 0 or 1.
    Healthcheck,
}

/// How one service describes itself on its command line.
#[derive(Debug, Clone, Copy)]
pub struct ServiceCli {
    /// The binary's name, as `Usage:` and `--version` show it.
    pub name: &'static str,
    /// The version `--version` prints (the binary's `CARGO_PKG_VERSION`).
    pub version: &'static str,
    /// What the service does, first in `--help`.
    pub about: &'static str,
    /// The environment variables it reads, last in `--help`.
    pub environment: &'static str,
    /// What `healthcheck` asks about, in its help: "the handler", "the scheduler".
    pub checked: &'static str,
}

impl ServiceCli {
    /// Parses the process's arguments. `--help`, `--version` and mistakes answer and exit here
    /// (a mistake with code 2, pointing at `--help`), before any configuration is read or
    /// connection made.
    pub fn parse(&self) -> Mode {
        match self.command().get_matches().subcommand_name() {
            Some(HEALTHCHECK) => Mode::Healthcheck,
            _ => Mode::Run,
        }
    }

    /// The clap command: `healthcheck` as the one optional subcommand.
    fn command(&self) -> Command {
        let healthcheck = Command::new(HEALTHCHECK).about(format!(
            "Say whether {} running in this container is healthy (its status file, \
             HEALTH_FILE): prints one line, exits 0 if healthy, 1 if not. Connects to nothing",
            self.checked
        ));
        Command::new(self.name)
            .version(self.version)
            .about(self.about)
            .after_help(self.environment)
            .subcommand(healthcheck)
    }
}

/// The subcommand's name.
const HEALTHCHECK: &str = "healthcheck";

#[cfg(test)]
mod tests {
    use super::*;

    const CLI: ServiceCli = ServiceCli {
        name: "svc",
        version: "1.2.3",
        about: "Does things.",
        environment: "Environment:\n  X  a variable",
        checked: "the service",
    };

    fn mode(args: &[&str]) -> Result<Option<String>, clap::error::ErrorKind> {
        CLI.command()
            .try_get_matches_from(args)
            .map(|m| m.subcommand_name().map(str::to_owned))
            .map_err(|e| e.kind())
    }

    #[test]
    fn no_command_runs_and_healthcheck_is_the_one_command() {
        CLI.command().debug_assert();
        assert_eq!(mode(&["svc"]), Ok(None));
        assert_eq!(
            mode(&["svc", "healthcheck"]),
            Ok(Some(HEALTHCHECK.to_owned()))
        );
        assert_eq!(
            mode(&["svc", "--bogus"]),
            Err(clap::error::ErrorKind::UnknownArgument)
        );
    }

    #[test]
    fn help_names_the_service_its_command_and_its_environment() {
        let help = CLI.command().render_help().to_string();
        for part in [
            "Does things.",
            "Usage: svc [COMMAND]",
            "healthcheck",
            "Say whether the service running",
            "X  a variable",
        ] {
            assert!(help.contains(part), "{part:?} in {help}");
        }
    }
}
