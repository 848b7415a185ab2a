//! What a stand account may do on the embedded broker, enforced by the broker itself
//! (`broker::BrokerConfig::topic_access`): a stand logs in with its own account (user name =
//! stand id, `stand_mqtt_accounts`), publishes only to its own inbound topics (every spelling
//! the handler subscribes to, `INBOUND_TOPICS`; its last will too) and subscribes only to its
//! own outbound topics (each spelling an answer can take), with no wildcard and no shared
//! subscription. The services' accounts keep full access.
//!
//! The accounts are read from the database every [`REFRESH`], so one made on the admin's
//! page or with `standhub stand-account` works within that time, and a deleted one stops.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use broker::{Access, Action};
use domain::StandId;
use domain::store::mqtt_accounts::{self, StandAccounts};
use domain::topics::{StandTopics, TopicLayouts, answer_topic};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

/// How often the stand accounts are read again.
pub const REFRESH: Duration = Duration::from_secs(1);

/// The stand accounts and the topic rules.
#[derive(Clone)]
pub struct StandAccess {
    accounts: Arc<RwLock<StandAccounts>>,
    layouts: TopicLayouts,
    services: Arc<HashSet<String>>,
}

impl StandAccess {
    /// Rules for the inbound topic `layouts`, with `services` (user names) unrestricted.
    pub fn new(layouts: TopicLayouts, services: HashSet<String>) -> Self {
        Self {
            accounts: Arc::default(),
            layouts,
            services: Arc::new(services),
        }
    }

    /// Whether `user`/`password` is a stand account's login.
    pub fn admits(&self, user: &str, password: &str) -> bool {
        !self.services.contains(user)
            && self
                .accounts
                .read()
                .is_ok_and(|a| a.admits(user, password.as_bytes()))
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
        let Ok(stand) = StandId::parse(user) else {
            return false;
        };
        match access.action {
            Action::Publish | Action::Will => self
                .layouts
                .match_topic(access.topic)
                .is_ok_and(|m| m.stand == stand),
            Action::Subscribe => {
                access.share_group.is_none() && self.outbound_topics(&stand).contains(access.topic)
            }
        }
    }

    /// Every topic commands to `stand` can go to: the answer to each inbound spelling, and
    /// each choice an admin can make before the stand is heard.
    fn outbound_topics(&self, stand: &StandId) -> HashSet<String> {
        let answers = self.layouts.filters().enumerate().map(|(i, filter)| {
            let inbound = filter.replace('+', stand.as_str());
            answer_topic(&inbound, stand, i > 0)
        });
        let chosen = StandTopics::ALL.map(|t| t.outbound(stand));
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

    #[test]
    fn a_stand_publishes_and_leaves_its_will_only_on_its_own_inbound_topics() {
        let r = rules();
        let me = Some("prøve_1");
        for topic in [
            "prøve_1/inbound",
            "Testdevice/prøve_1/Inbound",
            "Testdevice/prøve_1/inbound",
        ] {
            assert!(r.allows(&access(me, Action::Publish, topic)), "{topic}");
            assert!(r.allows(&access(me, Action::Will, topic)), "{topic}");
        }
        for topic in [
            "other/inbound",
            "Testdevice/other/Inbound",
            "prøve_1/outbound",
            "other/outbound",
            "prøve_1/inbound/x",
            "x/prøve_1/inbound",
            "$SYS/x",
        ] {
            assert!(!r.allows(&access(me, Action::Publish, topic)), "{topic}");
            assert!(!r.allows(&access(me, Action::Will, topic)), "{topic}");
        }
    }

    #[test]
    fn a_stand_subscribes_only_to_its_own_outbound_topics_without_wildcards_or_sharing() {
        let r = rules();
        let me = Some("prøve_1");
        for topic in [
            "prøve_1/outbound",
            "Testdevice/prøve_1/Outbound",
            "Testdevice/prøve_1/outbound",
        ] {
            assert!(r.allows(&access(me, Action::Subscribe, topic)), "{topic}");
        }
        for topic in [
            "#",
            "+/outbound",
            "Testdevice/+/Outbound",
            "prøve_1/#",
            "prøve_1/+",
            "other/outbound",
            "prøve_1/inbound",
            "+/inbound",
        ] {
            assert!(!r.allows(&access(me, Action::Subscribe, topic)), "{topic}");
        }
        let shared = Access {
            share_group: Some("g"),
            ..access(me, Action::Subscribe, "prøve_1/outbound")
        };
        assert!(!r.allows(&shared), "no shared subscription");
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
