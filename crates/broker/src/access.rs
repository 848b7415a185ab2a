//! Topic access: what the broker asks the launcher's rules before a client publishes,
//! subscribes or leaves a last will, and how those answers reach rumqttd (whose patched copy,
//! `vendor/rumqttd`, calls the hook; see its `PATCHED.md`). The broker knows no stand topics:
//! the rules are whatever [`TopicAccess`] the caller puts into [`crate::BrokerConfig`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What a client asks to do with a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// PUBLISH to a topic. Refused: acknowledged as usual (MQTT 3.1.1 has no negative PUBACK)
    /// and dropped, so no subscriber sees it.
    Publish,
    /// SUBSCRIBE to a filter. Refused: SUBACK failure code 0x80 for that filter (MQTT 5:
    /// "not authorized"); the other filters of the same SUBSCRIBE go on.
    Subscribe,
    /// The last will of CONNECT, on a topic. Refused: CONNACK "not authorized" and the
    /// connection is closed (the client learns at once instead of losing its will silently).
    Will,
}

/// One access a client asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access<'a> {
    /// The client id of CONNECT (`rumqtt-…` as the broker assigned it when the client sent an
    /// empty one).
    pub client_id: &'a str,
    /// The account the client logged in with; `None` with anonymous access
    /// ([`crate::BrokerConfig::allow_anonymous`]), where no name is checked and so none is
    /// passed on.
    pub user: Option<&'a str>,
    /// What the client asks for.
    pub action: Action,
    /// The topic (publish, will) or the filter (subscribe). For a shared subscription
    /// `$share/{group}/{filter}` this is the filter alone, and the group is in `share_group`.
    pub topic: &'a str,
    /// The group of a shared subscription (`$share/{group}/…`), so that rules can refuse
    /// shared subscriptions as a whole.
    pub share_group: Option<&'a str>,
}

/// The rules: `true` allows. Called on the broker's router thread for every PUBLISH and every
/// filter of a SUBSCRIBE (and on a connection's thread for a will), so it must answer at once
/// and never block: look the answer up, do not fetch it.
pub type TopicAccess = Arc<dyn Fn(&Access<'_>) -> bool + Send + Sync>;

/// Accounts whose refusals are counted apart; more share one count (log lines only).
const COUNTED_ACCOUNTS: usize = 10_000;

/// `rules` as rumqttd's hook, logging refusals: each account's first, then at every power of
/// two of its count (a client retrying a refused publish in a loop must not fill the log, and
/// must not hide another account's first refusal either).
pub(crate) fn rumqttd_hook(
    rules: TopicAccess,
) -> impl Fn(&rumqttd::TopicAccess<'_>) -> bool + Send + Sync + 'static {
    let refusals: Mutex<HashMap<String, u64>> = Mutex::default();
    move |asked: &rumqttd::TopicAccess<'_>| {
        let access = Access {
            client_id: asked.client_id,
            user: asked.user,
            action: match asked.action {
                rumqttd::TopicAction::Publish => Action::Publish,
                rumqttd::TopicAction::Subscribe => Action::Subscribe,
                rumqttd::TopicAction::Will => Action::Will,
            },
            topic: asked.topic,
            share_group: asked.share_group,
        };
        let allowed = rules(&access);
        if !allowed {
            let count = refusals.lock().map_or(1, |mut counts| {
                let key = access.user.unwrap_or_default();
                let key = if counts.contains_key(key) || counts.len() < COUNTED_ACCOUNTS {
                    key
                } else {
                    "\u{0}others"
                };
                let n = counts.entry(key.to_owned()).or_default();
                *n += 1;
                *n
            });
            if count.is_power_of_two() {
                tracing::warn!(
                    client_id = access.client_id,
                    user = access.user,
                    action = ?access.action,
                    topic = access.topic,
                    share_group = access.share_group,
                    refusals = count,
                    "MQTT topic access refused (logged at an account's first refusal and at every \
                     power of two of its count)"
                );
            }
        }
        allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hook_passes_every_field_on_and_returns_the_rules_answer() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = seen.clone();
        let hook = rumqttd_hook(Arc::new(move |a: &Access<'_>| {
            record.lock().expect("lock").push(format!("{a:?}"));
            a.topic == "a/outbound"
        }));
        let asked = |action, topic, share_group| rumqttd::TopicAccess {
            client_id: "stand-a-1",
            user: Some("stand-a"),
            action,
            topic,
            share_group,
        };
        assert!(hook(&asked(
            rumqttd::TopicAction::Subscribe,
            "a/outbound",
            Some("g")
        )));
        assert!(!hook(&asked(rumqttd::TopicAction::Will, "b/inbound", None)));
        let seen = seen.lock().expect("lock");
        assert_eq!(
            seen[0],
            format!(
                "{:?}",
                Access {
                    client_id: "stand-a-1",
                    user: Some("stand-a"),
                    action: Action::Subscribe,
                    topic: "a/outbound",
                    share_group: Some("g"),
                }
            )
        );
        assert!(seen[1].contains("Will"), "{}", seen[1]);
    }
}
