//! The embedded broker's accounts, kept in the data directory: one generated account per service
//! (`messagehandler`, `webinterface`) and one account for the stands (`stand`), made at first
//! start. The stands' password is printed once and also written to
//! `<data dir>/initial-mqtt-stand-password` (delete it once the stands have it; the broker keeps
//! its own copy in `<data dir>/mqtt-accounts`). Deleting `mqtt-accounts` makes new passwords at
//! the next start.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// The file with every account, `user password` per line (mode 0600).
pub const ACCOUNTS_FILE: &str = "mqtt-accounts";

/// The copy of a newly generated stand password, for the person who starts the launcher.
pub const STAND_PASSWORD_FILE: &str = "initial-mqtt-stand-password";

/// The account the message handler connects with.
pub const HANDLER: &str = "messagehandler";

/// The account the web interface publishes commands with.
pub const WEB: &str = "webinterface";

/// The account the stands (and `standhub simulate`) connect with.
pub const STAND: &str = "stand";

/// The accounts of the embedded broker.
pub struct Accounts {
    /// User name → password.
    pub passwords: BTreeMap<String, String>,
    /// Set when the stand account was made by this start: where its password was written.
    pub new_stand_password_file: Option<PathBuf>,
}

impl Accounts {
    /// Reads `<data dir>/mqtt-accounts`, making the accounts it lacks.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join(ACCOUNTS_FILE);
        let mut passwords = match std::fs::read_to_string(&path) {
            Ok(text) => parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let mut made = Vec::new();
        for user in [HANDLER, WEB, STAND] {
            if !passwords.contains_key(user) {
                passwords.insert(user.to_owned(), generated_password());
                made.push(user);
            }
        }
        let mut new_stand_password_file = None;
        if !made.is_empty() {
            let text: String = passwords
                .iter()
                .map(|(user, password)| format!("{user} {password}\n"))
                .collect();
            crate::first_start::write_private(&path, &text)?;
            if made.contains(&STAND) {
                let file = data_dir.join(STAND_PASSWORD_FILE);
                crate::first_start::write_private(&file, &format!("{}\n", passwords[STAND]))?;
                new_stand_password_file = Some(file);
            }
        }
        Ok(Self {
            passwords,
            new_stand_password_file,
        })
    }

    /// The password of `user` (one of [`HANDLER`], [`WEB`], [`STAND`]).
    pub fn password(&self, user: &str) -> &str {
        self.passwords.get(user).map(String::as_str).unwrap_or("")
    }

    /// `mqtt://user:password@127.0.0.1:port` for a service.
    pub fn url(&self, user: &str, port: u16) -> String {
        format!("mqtt://{user}:{}@127.0.0.1:{port}", self.password(user))
    }

    /// The broker configuration: these accounts, the services' client ids reserved to them.
    pub fn broker_config(&self, mut config: broker::BrokerConfig) -> broker::BrokerConfig {
        config.users = self.passwords.clone().into_iter().collect();
        config.service_users = [HANDLER, WEB].map(str::to_owned).into_iter().collect();
        config.reserved_client_ids = vec![messagehandler::config::BASE_CLIENT_ID.to_owned()];
        config
    }
}

/// `user password` lines; blank lines and `#` comments ignored.
fn parse(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(' '))
        .map(|(user, password)| (user.to_owned(), password.trim().to_owned()))
        .filter(|(_, password)| !password.is_empty())
        .collect()
}

/// 24 hex digits (96 random bits): safe in an `mqtt://user:password@host` URL as it is.
fn generated_password() -> String {
    webinterface::config::generated_secret().expose()[..24].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_then_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = Accounts::load_or_create(dir.path()).expect("first");
        assert!(first.new_stand_password_file.is_some());
        assert_eq!(first.passwords.len(), 3);
        let printed = std::fs::read_to_string(dir.path().join(STAND_PASSWORD_FILE)).expect("file");
        assert_eq!(printed.trim(), first.password(STAND));
        std::fs::remove_file(dir.path().join(STAND_PASSWORD_FILE)).expect("delete");
        let again = Accounts::load_or_create(dir.path()).expect("again");
        assert!(again.new_stand_password_file.is_none());
        assert_eq!(again.passwords, first.passwords);
        assert!(!dir.path().join(STAND_PASSWORD_FILE).exists());
    }
}
