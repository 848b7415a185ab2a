//! The embedded broker's service accounts, kept in the data directory: one generated account
//! per service (`messagehandler`, `webinterface`), made at first start. Deleting
//! `mqtt-accounts` makes new passwords at the next start.
//!
//! The stands have accounts of their own, in the database (`stand_mqtt_accounts`, user name =
//! stand id), made from the admin's stand page or with `standhub stand-account <stand>`; the
//! first start makes the one of [`DEMO_STAND`] and prints its password once (also written to
//! `<data dir>/initial-mqtt-stand-password` until deleted). The shared account `stand` of
//! earlier versions is no longer accepted: a line for it in `mqtt-accounts` is ignored, with
//! a warning at every start.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use domain::store::mqtt_accounts;

/// The file with every service account, `user password` per line (mode 0600).
pub const ACCOUNTS_FILE: &str = "mqtt-accounts";

/// The copy of the first stand account's password, for the person who starts the launcher.
pub const STAND_PASSWORD_FILE: &str = "initial-mqtt-stand-password";

/// The account the message handler connects with.
pub const HANDLER: &str = "messagehandler";

/// The account the web interface publishes commands with.
pub const WEB: &str = "webinterface";

/// The shared stand account of earlier versions, no longer accepted.
pub const SHARED_STAND: &str = "stand";

/// The stand whose account the first start makes: the old stack's stand, the quick start's
/// simulated one.
pub const DEMO_STAND: &str = "demo_module";

/// The service accounts of the embedded broker.
pub struct Accounts {
    /// User name → password.
    pub passwords: BTreeMap<String, String>,
    /// The file was made by this start (the first).
    pub first_start: bool,
    /// The file still has the shared `stand` account of earlier versions (ignored).
    pub shared_stand_account: bool,
}

impl Accounts {
    /// Reads `<data dir>/mqtt-accounts`, making the accounts it lacks.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join(ACCOUNTS_FILE);
        let (mut passwords, first_start) = match std::fs::read_to_string(&path) {
            Ok(text) => (parse(&text), false),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (BTreeMap::new(), true),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let shared_stand_account = passwords.remove(SHARED_STAND).is_some();
        let mut made = false;
        for user in [HANDLER, WEB] {
            if !passwords.contains_key(user) {
                passwords.insert(user.to_owned(), mqtt_accounts::new_password());
                made = true;
            }
        }
        if made {
            let text: String = passwords
                .iter()
                .map(|(user, password)| format!("{user} {password}\n"))
                .collect();
            crate::first_start::write_private(&path, &text)?;
        }
        Ok(Self {
            passwords,
            first_start,
            shared_stand_account,
        })
    }

    /// The password of `user` (one of [`HANDLER`], [`WEB`]).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_then_kept_and_the_shared_stand_account_is_dropped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = Accounts::load_or_create(dir.path()).expect("first");
        assert!(first.first_start);
        assert_eq!(first.passwords.len(), 2);
        let again = Accounts::load_or_create(dir.path()).expect("again");
        assert!(!again.first_start);
        assert_eq!(again.passwords, first.passwords);

        // A data directory of an earlier version, with the shared stand account.
        let file = dir.path().join(ACCOUNTS_FILE);
        let old = std::fs::read_to_string(&file).expect("file") + "stand sharedpw\n";
        std::fs::write(&file, old).expect("write");
        let upgraded = Accounts::load_or_create(dir.path()).expect("upgraded");
        assert!(upgraded.shared_stand_account);
        assert!(!upgraded.passwords.contains_key(SHARED_STAND));
    }
}
