//! `stand_mqtt_accounts`: each stand's own account on the all-in-one launcher's embedded
//! broker, user name = stand id. Made (or replaced) by an admin, who is shown the password
//! once; the table keeps its SHA-256 only. The launcher's broker reads the accounts
//! ([`all`]) and checks a login against them ([`StandAccounts::admits`]).

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::steps::rows_changed;
use super::{QueryContext, StoreError};
use crate::StandId;

/// Makes the stand's account, or gives it a new password (the old one stops working);
/// returns the password, which is shown once and not kept.
pub async fn replace(pool: &PgPool, stand: &StandId) -> Result<String, StoreError> {
    let password = new_password();
    sqlx::query(
        "INSERT INTO stand_mqtt_accounts (stand_id, password_sha256) VALUES ($1, $2)
         ON CONFLICT (stand_id) DO UPDATE
         SET password_sha256 = EXCLUDED.password_sha256, created_at = now()",
    )
    .bind(stand.as_str())
    .bind(digest(&password).as_slice())
    .execute(pool)
    .await
    .query("stand_mqtt_accounts.replace")?;
    Ok(password)
}

/// Deletes the stand's account; whether it had one.
pub async fn remove(pool: &PgPool, stand: &StandId) -> Result<bool, StoreError> {
    let query =
        sqlx::query("DELETE FROM stand_mqtt_accounts WHERE stand_id = $1").bind(stand.as_str());
    Ok(rows_changed(pool, query, "stand_mqtt_accounts.remove").await? > 0)
}

/// Whether the stand has an account, and since when.
pub async fn made_at(
    pool: &PgPool,
    stand: &StandId,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, StoreError> {
    sqlx::query_scalar("SELECT created_at FROM stand_mqtt_accounts WHERE stand_id = $1")
        .bind(stand.as_str())
        .fetch_optional(pool)
        .await
        .query("stand_mqtt_accounts.made_at")
}

/// Every stand account, for the broker's login check.
pub async fn all(pool: &PgPool) -> Result<StandAccounts, StoreError> {
    let rows: Vec<(StandId, Vec<u8>)> =
        sqlx::query_as("SELECT stand_id, password_sha256 FROM stand_mqtt_accounts")
            .fetch_all(pool)
            .await
            .query("stand_mqtt_accounts.all")?;
    Ok(StandAccounts(
        rows.into_iter()
            .filter_map(|(id, hash)| Some((id.as_str().to_owned(), hash.try_into().ok()?)))
            .collect(),
    ))
}

/// The stand accounts as the broker checks them: user name → SHA-256 of the password.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StandAccounts(HashMap<String, [u8; 32]>);

impl StandAccounts {
    /// Whether `user` is a stand account and `password` its password (compared in time that
    /// does not depend on where the digests differ).
    pub fn admits(&self, user: &str, password: &[u8]) -> bool {
        let Some(stored) = self.0.get(user) else {
            return false;
        };
        crate::signing::constant_eq_bytes(stored, &Sha256::digest(password))
    }

    /// Whether `user` is a stand account.
    pub fn contains(&self, user: &str) -> bool {
        self.0.contains_key(user)
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A new MQTT password (stand or service account): 24 hex digits (96 random bits), safe in
/// an `mqtt://user:password@host` URL as it is.
pub fn new_password() -> String {
    hex::encode(rand::random::<[u8; 12]>())
}

fn digest(password: &str) -> [u8; 32] {
    Sha256::digest(password.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_admitted_only_for_its_own_stand() {
        let password = new_password();
        assert_eq!(password.len(), 24);
        let accounts = StandAccounts(HashMap::from([("rig1".to_owned(), digest(&password))]));
        assert!(accounts.admits("rig1", password.as_bytes()));
        assert!(!accounts.admits("rig2", password.as_bytes()));
        assert!(!accounts.admits("rig1", b""));
        assert!(!accounts.admits("rig1", format!("{password} ").as_bytes()));
    }
}
