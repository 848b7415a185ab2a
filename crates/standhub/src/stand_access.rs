//! What a stand account may do on the embedded broker, enforced by the broker itself
//! (`broker::BrokerConfig::topic_access`): a stand logs in with its own account (user name =
//! stand id, `stand_mqtt_accounts`), publishes only to its own inbound topics (every spelling
//! the handler subscribes to, `INBOUND_TOPICS`; its last will too) and subscribes only to its
//! own outbound topics (each spelling an answer can take), with no wildcard and no shared
//! subscription. The services' accounts keep full access.
//!
//! The accounts are read from the database every [`REFRESH`], so one made on the admin's
//! page or with `standhub stand-account` works within that time, and a deleted one stops.
//!
//! Migration mode ([`LegacyAccount`], off by default): the old stack's one account for every
//! stand may publish to every stand's old inbound topics (the legacy layouts of
//! `INBOUND_TOPICS`, `Testdevice/<stand>/Inbound`) and subscribe to their outbound topics, one
//! stand at a time (no wildcard). Any holder of its password can speak for any stand.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use broker::{Access, Action};
use domain::StandId;
use domain::store::mqtt_accounts::{self, StandAccounts};
use domain::topics::{StandTopics, TopicLayouts, answer_topic};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

/// How often the stand accounts are read again.
pub const REFRESH: Duration = Duration::from_secs(1);

/// The old stack's shared stand account, accepted in migration mode.
#[derive(Clone)]
pub struct LegacyAccount {
    user: String,
    digest: [u8; 32],
}

impl LegacyAccount {
    /// The account `user` with `password`.
    pub fn new(user: &str, password: &str) -> Self {
        Self {
            user: user.to_owned(),
            digest: Sha256::digest(password.as_bytes()).into(),
        }
    }

    /// Its user name.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The shared stand account of migration mode from its settings (`MQTT_LEGACY_STAND_USER`,
    /// `MQTT_LEGACY_STAND_PASSWORD`), checked: both settings or neither, and a name
    /// no service account has.
    pub fn from_settings(
        user: Option<&str>,
        password: Option<&str>,
    ) -> anyhow::Result<Option<Self>> {
        let user = user.filter(|u| !u.is_empty());
        let password = password.filter(|p| !p.is_empty());
        match (user, password) {
            (None, None) => Ok(None),
            (None, Some(_)) => anyhow::bail!(
                "MQTT_LEGACY_STAND_PASSWORD is set without MQTT_LEGACY_STAND_USER: set both for \
                 migration mode (the old stack's shared stand account), or neither"
            ),
            (Some(user), None) => anyhow::bail!(
                "MQTT_LEGACY_STAND_USER={user} needs MQTT_LEGACY_STAND_PASSWORD (the old stands' \
                 password) too"
            ),
            (Some(user), Some(password)) => {
                if [crate::mqtt_accounts::HANDLER, crate::mqtt_accounts::WEB].contains(&user) {
                    anyhow::bail!(
                        "MQTT_LEGACY_STAND_USER may not be the service account {user}: give the old \
                         stack's stand user (e.g. team2)"
                    );
                }
                domain::StandId::parse(user).map_err(|e| {
                    anyhow::anyhow!(
                        "MQTT_LEGACY_STAND_USER {user:?} is not a usable user name ({e}): use \
                         letters, digits, _ or -"
                    )
                })?;
                Ok(Some(Self::new(user, password)))
            }
        }
    }
}

/// The `/metrics` label of a refused action.
pub fn action_label(action: Action) -> &'static str {
    match action {
        Action::Publish => "publish",
        Action::Subscribe => "subscribe",
        Action::Will => "will",
    }
}

/// The stand accounts and the topic rules.
#[derive(Clone)]
pub struct StandAccess {
    accounts: Arc<RwLock<StandAccounts>>,
    layouts: TopicLayouts,
    services: Arc<HashSet<String>>,
    legacy: Option<Arc<LegacyAccount>>,
}

impl StandAccess {
    /// Rules for the inbound topic `layouts`, with `services` (user names) unrestricted.
    pub fn new(layouts: TopicLayouts, services: HashSet<String>) -> Self {
        Self {
            accounts: Arc::default(),
            layouts,
            services: Arc::new(services),
            legacy: None,
        }
    }

    /// These rules with the shared `legacy` account accepted (migration mode).
    pub fn with_legacy(mut self, legacy: LegacyAccount) -> Self {
        self.legacy = Some(Arc::new(legacy));
        self
    }

    /// Whether `user`/`password` is a stand account's login (or the shared account's in
    /// migration mode).
    pub fn admits(&self, user: &str, password: &str) -> bool {
        if let Some(legacy) = self.legacy_named(user) {
            return domain::signing::constant_eq_bytes(
                &legacy.digest,
                &Sha256::digest(password.as_bytes()),
            );
        }
        !self.services.contains(user)
            && self
                .accounts
                .read()
                .is_ok_and(|a| a.admits(user, password.as_bytes()))
    }

    fn legacy_named(&self, user: &str) -> Option<&LegacyAccount> {
        self.legacy.as_deref().filter(|l| l.user == user)
    }

    /// Whether the broker lets the client do what it asks.
    pub fn allows(&self, access: &Access<'_>) -> bool {
        let Some(user) = access.user else {
            // Anonymous access (`--allow-anonymous-mqtt`) checks nothing, as warned.
            return true;
        };
        if self.services.contains(user) {
            return true;
        }
        if self.legacy_named(user).is_some() {
            return self.legacy_allows(access);
        }
        let Ok(stand) = StandId::parse(user) else {
            return false;
        };
        match access.action {
            Action::Publish | Action::Will => self
                .layouts
                .match_topic(access.topic)
                .is_ok_and(|m| m.stand == stand),
            Action::Subscribe => {
                access.share_group.is_none()
                    && self.outbound_topics(&stand, false).contains(access.topic)
            }
        }
    }

    /// The shared account: any stand's old inbound topics; any one stand's old outbound topic.
    fn legacy_allows(&self, access: &Access<'_>) -> bool {
        match access.action {
            Action::Publish | Action::Will => self
                .layouts
                .match_topic(access.topic)
                .is_ok_and(|m| m.legacy),
            Action::Subscribe => {
                access.share_group.is_none()
                    && access.topic.split('/').any(|level| {
                        StandId::parse(level).is_ok_and(|stand| {
                            self.outbound_topics(&stand, true).contains(access.topic)
                        })
                    })
            }
        }
    }

    /// Every topic commands to `stand` can go to: the answer to each inbound spelling, and
    /// each choice an admin can make before the stand is heard; with `legacy_only`, those of
    /// the old layouts alone.
    fn outbound_topics(&self, stand: &StandId, legacy_only: bool) -> HashSet<String> {
        let answers = self
            .layouts
            .topic_filters()
            .enumerate()
            .filter(|(i, _)| !legacy_only || *i > 0)
            .map(|(i, filter)| {
                let inbound = filter.replace('+', stand.as_str());
                answer_topic(&inbound, stand, i > 0)
            });
        let chosen = StandTopics::ALL
            .into_iter()
            .filter(|t| !legacy_only || t.is_legacy())
            .map(|t| t.outbound(stand));
        answers.chain(chosen).collect()
    }

    /// Replaces the stand accounts.
    pub fn set_accounts(&self, accounts: StandAccounts) {
        if let Ok(mut held) = self.accounts.write() {
            *held = accounts;
        }
    }

    /// Reads the stand accounts from the database every [`REFRESH`] until `stop`.
    pub async fn keep_fresh(self, pool: PgPool, stop: CancellationToken) {
        let mut failing = false;
        loop {
            match mqtt_accounts::all(&pool).await {
                Ok(accounts) => {
                    self.set_accounts(accounts);
                    failing = false;
                }
                Err(e) if !failing => {
                    tracing::warn!(error = %e, "cannot read the stand accounts; the last ones read stay in force");
                    failing = true;
                }
                Err(_) => {}
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(REFRESH) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(user: Option<&'static str>, action: Action, topic: &'static str) -> Access<'static> {
        Access {
            client_id: "c",
            user,
            action,
            topic,
            share_group: None,
        }
    }

    fn rules() -> StandAccess {
        StandAccess::new(
            TopicLayouts::default(),
            ["messagehandler".to_owned()].into(),
        )
    }

    /// Asserts that `me` may publish and leave its will on each of `allowed` and on none of
    /// `refused`.
    fn assert_publishes(
        r: &StandAccess,
        me: Option<&'static str>,
        allowed: &[&'static str],
        refused: &[&'static str],
    ) {
        for (topics, want) in [(allowed, true), (refused, false)] {
            for &topic in topics {
                for action in [Action::Publish, Action::Will] {
                    let asked = access(me, action, topic);
                    assert_eq!(r.allows(&asked), want, "{action:?} {topic}");
                }
            }
        }
    }

    /// Asserts that `me` may subscribe to each of `allowed`, though not as a shared
    /// subscription, and to none of `refused`.
    fn assert_subscribes(
        r: &StandAccess,
        me: Option<&'static str>,
        allowed: &[&'static str],
        refused: &[&'static str],
    ) {
        for &topic in allowed {
            assert!(r.allows(&access(me, Action::Subscribe, topic)), "{topic}");
            let shared = Access {
                share_group: Some("g"),
                ..access(me, Action::Subscribe, topic)
            };
            assert!(!r.allows(&shared), "no shared subscription to {topic}");
        }
        for &topic in refused {
            assert!(!r.allows(&access(me, Action::Subscribe, topic)), "{topic}");
        }
    }

    #[test]
    fn a_stand_publishes_and_leaves_its_will_only_on_its_own_inbound_topics() {
        let own = [
            "prøve_1/inbound",
            "Testdevice/prøve_1/Inbound",
            "Testdevice/prøve_1/inbound",
        ];
        let others = [
            "other/inbound",
            "Testdevice/other/Inbound",
            "prøve_1/outbound",
            "other/outbound",
            "prøve_1/inbound/x",
            "x/prøve_1/inbound",
            "$SYS/x",
        ];
        assert_publishes(&rules(), Some("prøve_1"), &own, &others);
    }

    #[test]
    fn a_stand_subscribes_only_to_its_own_outbound_topics_without_wildcards_or_sharing() {
        let own = [
            "prøve_1/outbound",
            "Testdevice/prøve_1/Outbound",
            "Testdevice/prøve_1/outbound",
        ];
        let others = [
            "#",
            "+/outbound",
            "Testdevice/+/Outbound",
            "prøve_1/#",
            "prøve_1/+",
            "other/outbound",
            "prøve_1/inbound",
            "+/inbound",
        ];
        assert_subscribes(&rules(), Some("prøve_1"), &own, &others);
    }

    #[test]
    fn the_shared_legacy_account_speaks_on_old_topics_of_any_stand_only_in_migration_mode() {
        let off = rules();
        let on = rules().with_legacy(LegacyAccount::new("team2", "old-pw"));
        assert!(!off.admits("team2", "old-pw"));
        assert!(on.admits("team2", "old-pw"));
        assert!(!on.admits("team2", "old-pw2"));
        assert!(!on.admits("messagehandler", "old-pw"));
        let me = Some("team2");
        let old_inbound = [
            "Testdevice/prøve_1/Inbound",
            "Testdevice/other/Inbound",
            "Testdevice/other/inbound",
        ];
        let not_old_inbound = [
            "other/inbound",
            "team2/inbound",
            "Testdevice/other/Outbound",
            "Testdevice/+/Inbound",
            "$SYS/x",
        ];
        assert_publishes(&on, me, &old_inbound, &not_old_inbound);
        assert_publishes(&off, me, &[], &old_inbound);
        let old_outbound = ["Testdevice/other/Outbound", "Testdevice/prøve_1/outbound"];
        let not_old_outbound = [
            "#",
            "Testdevice/+/Outbound",
            "Testdevice/#",
            "other/outbound",
            "Testdevice/other/Inbound",
        ];
        assert_subscribes(&on, me, &old_outbound, &not_old_outbound);
    }

    #[test]
    fn services_keep_full_access_and_odd_names_get_none() {
        let r = rules();
        assert!(r.allows(&access(Some("messagehandler"), Action::Subscribe, "#")));
        assert!(!r.allows(&access(Some("a/b"), Action::Publish, "a/b/inbound")));
        assert!(!r.allows(&access(Some(""), Action::Publish, "/inbound")));
        assert!(
            r.allows(&access(None, Action::Subscribe, "#")),
            "anonymous mode"
        );
    }
}
