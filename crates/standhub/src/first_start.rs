//! What a first start leaves in the data directory: the secret key that signs cookies (so
//! logins survive restarts) and the first admin account.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use domain::store::users::{self, Role};
use sqlx::PgPool;

use crate::Options;

/// The first admin's user name.
pub const ADMIN: &str = "admin";

/// The file holding the generated first admin password.
pub const PASSWORD_FILE: &str = "initial-admin-password";

/// A freshly created admin account, for the banner.
pub struct NewAdmin {
    /// Its user name.
    pub username: String,
    /// Where its password came from.
    pub password: AdminPassword,
}

/// Where the first admin's password came from: only a generated one is ever printed, since one
/// given through the setting is a secret the operator already has (and logs must not keep).
pub enum AdminPassword {
    /// Generated on this start, and written to `file` too.
    Generated {
        /// The password.
        password: String,
        /// Where it was written.
        file: PathBuf,
    },
    /// Taken from `STANDHUB_ADMIN_PASSWORD` / `--admin-password`.
    FromSetting,
}

impl NewAdmin {
    /// The banner's lines about this account.
    pub fn banner_lines(&self) -> Vec<String> {
        let user = &self.username;
        match &self.password {
            AdminPassword::Generated { password, file } => vec![
                format!("  First start: log in as `{user}` with password: {password}"),
                format!(
                    "  (also written to {}; delete it once you have changed the password)",
                    file.display()
                ),
            ],
            AdminPassword::FromSetting => vec![format!(
                "  First start: log in as `{user}` with the password taken from \
                 STANDHUB_ADMIN_PASSWORD (--admin-password)."
            )],
        }
    }
}

/// `SECRET_KEY` when set, otherwise the key kept in `<data dir>/secret-key` (made on first start).
pub fn secret_key(data_dir: &Path) -> anyhow::Result<String> {
    if let Some(key) = domain::config::var("SECRET_KEY") {
        return Ok(key);
    }
    let path = data_dir.join("secret-key");
    match std::fs::read_to_string(&path) {
        Ok(key) if key.trim().len() >= webinterface::config::MIN_SECRET_LEN => {
            Ok(key.trim().to_owned())
        }
        _ => {
            let key = webinterface::config::generated_secret().expose().to_owned();
            write_private(&path, &key)?;
            Ok(key)
        }
    }
}

/// Creates the `admin` account when there is no user at all; returns it for the banner.
pub async fn ensure_admin(pool: &PgPool, options: &Options) -> anyhow::Result<Option<NewAdmin>> {
    if users::count(pool).await? > 0 {
        return Ok(None);
    }
    let (password, origin) = match &options.admin_password {
        Some(p) => (p.clone(), AdminPassword::FromSetting),
        None => {
            let generated: String =
                webinterface::config::generated_secret().expose()[..20].to_owned();
            let file = options.data_dir.join(PASSWORD_FILE);
            write_private(&file, &format!("{generated}\n"))?;
            let origin = AdminPassword::Generated {
                password: generated.clone(),
                file,
            };
            (generated, origin)
        }
    };
    let hash =
        tokio::task::spawn_blocking(move || webinterface::auth::hash_password(&password)).await??;
    users::create(pool, ADMIN, "admin@localhost", &hash, Role::Admin)
        .await
        .context("cannot create the first admin account")?;
    Ok(Some(NewAdmin {
        username: ADMIN.to_owned(),
        password: origin,
    }))
}

/// Writes a file only its owner may read.
pub(crate) fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_from_the_setting_is_not_printed_a_generated_one_is() {
        let given = NewAdmin {
            username: ADMIN.to_owned(),
            password: AdminPassword::FromSetting,
        };
        let text = given.banner_lines().join("\n");
        assert!(text.contains("STANDHUB_ADMIN_PASSWORD"), "{text}");
        assert!(!text.contains("with password:"), "{text}");

        let generated = NewAdmin {
            username: ADMIN.to_owned(),
            password: AdminPassword::Generated {
                password: "s3cret-generated".to_owned(),
                file: PathBuf::from("/data/initial-admin-password"),
            },
        };
        let text = generated.banner_lines().join("\n");
        assert!(text.contains("with password: s3cret-generated"), "{text}");
        assert!(text.contains("/data/initial-admin-password"), "{text}");
    }
}
