//! Inbound topic layouts: which topics the handler subscribes to and where the stand id sits.
//!
//! `INBOUND_TOPICS` is a comma-separated list of MQTT filters with exactly one `+` level, the
//! stand id. The first filter is the primary layout (`+/inbound`); the others are legacy
//! layouts (`Testdevice/+/Inbound`, and `Testdevice/+/inbound` as the stand builders' module
//! guide writes it). A stand is answered on the outbound topic spelled like the inbound topic
//! it last used ([`answer_topic`]).
//!
//! A filter may be an MQTT shared subscription, `$share/<group>/<filter>`: several handlers
//! subscribed with the same group share the messages, each delivered to one of them. The
//! broker delivers such a message with its own topic (`s1/inbound`), so topics are matched
//! against the filter without its `$share/<group>/` prefix.

use crate::names::named;
use crate::stand_id::{StandId, StandIdError};

/// The default subscriptions of the spec.
pub const DEFAULT_INBOUND_TOPICS: &str = "+/inbound,Testdevice/+/Inbound,Testdevice/+/inbound";

/// One inbound filter, split into levels.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    /// What is subscribed to (with its `$share/<group>/` prefix, if any).
    filter: String,
    /// The shared subscription's group, if any.
    group: Option<String>,
    /// The levels of the filter without the prefix: what topics are matched against.
    levels: Vec<String>,
    stand_level: usize,
}

/// The configured inbound filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicLayouts {
    patterns: Vec<Pattern>,
}

/// A topic matched against the layouts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicMatch {
    /// The stand the topic belongs to.
    pub stand: StandId,
    /// Whether it matched a legacy (not the first) layout.
    pub legacy: bool,
}

/// Why a configured filter list is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// The list is empty.
    #[error("INBOUND_TOPICS is empty; give at least one filter such as +/inbound")]
    Empty,
    /// A filter does not hold exactly one `+` level, or uses `#`.
    #[error("inbound filter {0:?} must hold exactly one '+' level (the stand id) and no '#'")]
    BadFilter(String),
    /// A `$share/` filter without a group name, or with a wildcard in it.
    #[error(
        "inbound filter {0:?}: a shared subscription is $share/<group>/<filter>, the group a name without '+', '#' or '/'"
    )]
    BadShare(String),
    /// Some filters are shared subscriptions and others not, or with different groups.
    #[error(
        "INBOUND_TOPICS {0:?} mixes shared and plain subscriptions or groups: give every filter the same $share/<group>/ or none"
    )]
    MixedShares(String),
}

/// Splits `$share/<group>/<filter>` into the group and the filter; a plain filter has no
/// group.
fn split_share(filter: &str) -> Result<(Option<&str>, &str), LayoutError> {
    let Some(rest) = filter.strip_prefix("$share/") else {
        return Ok((None, filter));
    };
    match rest.split_once('/') {
        Some((group, inner))
            if !group.is_empty() && !inner.is_empty() && !group.contains(['+', '#']) =>
        {
            Ok((Some(group), inner))
        }
        _ => Err(LayoutError::BadShare(filter.to_owned())),
    }
}

/// Why a topic does not belong to a stand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicError {
    /// The topic matches none of the filters.
    #[error("topic {0:?} matches none of the inbound filters")]
    NoLayout(String),
    /// The stand level is not a valid stand id.
    #[error("topic {topic:?}: {error}")]
    BadStandId {
        /// The topic.
        topic: String,
        /// What is wrong with its stand level.
        error: StandIdError,
    },
}

impl TopicLayouts {
    /// Parses a comma-separated filter list such as [`DEFAULT_INBOUND_TOPICS`].
    pub fn parse(list: &str) -> Result<Self, LayoutError> {
        let mut patterns = Vec::new();
        for filter in list.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            let (group, inner) = split_share(filter)?;
            let levels: Vec<String> = inner.split('/').map(str::to_owned).collect();
            let pluses: Vec<usize> = levels
                .iter()
                .enumerate()
                .filter(|(_, l)| *l == "+")
                .map(|(i, _)| i)
                .collect();
            let wild = levels
                .iter()
                .any(|l| l.contains('#') || (l.contains('+') && l != "+"));
            if pluses.len() != 1 || wild {
                return Err(LayoutError::BadFilter(filter.to_owned()));
            }
            patterns.push(Pattern {
                filter: filter.to_owned(),
                group: group.map(str::to_owned),
                levels,
                stand_level: pluses[0],
            });
        }
        if patterns.is_empty() {
            return Err(LayoutError::Empty);
        }
        // One group for all: a handler in the group for one layout and alone on another would
        // get every message of that layout while its peers get them too.
        if patterns.iter().any(|p| p.group != patterns[0].group) {
            return Err(LayoutError::MixedShares(list.to_owned()));
        }
        Ok(Self { patterns })
    }

    /// The MQTT filters to subscribe to (shared subscriptions with their `$share/<group>/`).
    pub fn filters(&self) -> impl Iterator<Item = &str> {
        self.patterns.iter().map(|p| p.filter.as_str())
    }

    /// The filters topics are matched against: [`Self::filters`] without the
    /// `$share/<group>/` prefix (what a stand's topic looks like).
    pub fn topic_filters(&self) -> impl Iterator<Item = String> + '_ {
        self.patterns.iter().map(|p| p.levels.join("/"))
    }

    /// The shared subscription group, when the filters are `$share/<group>/…`: several
    /// handlers then share the inbound messages, each needing its own client id.
    pub fn share_group(&self) -> Option<&str> {
        self.patterns.first().and_then(|p| p.group.as_deref())
    }

    /// Finds the stand a topic belongs to.
    pub fn match_topic(&self, topic: &str) -> Result<TopicMatch, TopicError> {
        let levels: Vec<&str> = topic.split('/').collect();
        for (index, pattern) in self.patterns.iter().enumerate() {
            let fits = pattern.levels.len() == levels.len()
                && pattern
                    .levels
                    .iter()
                    .zip(&levels)
                    .enumerate()
                    .all(|(i, (p, l))| i == pattern.stand_level || p == l);
            if fits {
                let stand = StandId::parse(levels[pattern.stand_level]).map_err(|error| {
                    TopicError::BadStandId {
                        topic: topic.to_owned(),
                        error,
                    }
                })?;
                return Ok(TopicMatch {
                    stand,
                    legacy: index > 0,
                });
            }
        }
        Err(TopicError::NoLayout(topic.to_owned()))
    }

    /// The outbound filters (one `+` level, the stand id): each layout's mirrored answer
    /// topic ([`answer_topic`]) and every [`StandTopics`] choice, without repeats.
    fn outbound_filters(&self) -> Vec<Vec<String>> {
        let mirrored = self.topic_filters().filter_map(|f| {
            let (head, last) = f.rsplit_once('/')?;
            Some(format!("{head}/{}", mirror(last)?))
        });
        let choices = StandTopics::ALL.map(|t| t.pattern().replace("{stand}", "+"));
        let mut filters: Vec<Vec<String>> = Vec::new();
        for f in mirrored.chain(choices) {
            let levels: Vec<String> = f.split('/').map(str::to_owned).collect();
            if !filters.contains(&levels) {
                filters.push(levels);
            }
        }
        filters
    }

    /// The stand whose outbound topic `topic` is, the topic the server publishes to a stand
    /// on: a layout's answer topic ([`answer_topic`]) or a [`StandTopics`] choice. `None` for
    /// every other topic: an inbound topic, a wildcard (`+`, `#`), `$SYS/…`, another prefix.
    pub fn outbound_stand(&self, topic: &str) -> Option<StandId> {
        if topic.starts_with('$') || topic.contains(['+', '#', '\0']) {
            return None;
        }
        let levels: Vec<&str> = topic.split('/').collect();
        self.outbound_filters().iter().find_map(|filter| {
            let fits = filter.len() == levels.len()
                && filter.iter().zip(&levels).all(|(f, l)| f == "+" || f == l);
            let at = filter.iter().position(|f| f == "+")?;
            fits.then(|| StandId::parse(levels[at]).ok()).flatten()
        })
    }

    /// Every outbound topic of `stand` ([`Self::outbound_stand`] finds `stand` for each).
    pub fn outbound_topics(&self, stand: &StandId) -> Vec<String> {
        self.outbound_filters()
            .iter()
            .map(|f| {
                let levels: Vec<&str> = f
                    .iter()
                    .map(|l| if l == "+" { stand.as_str() } else { l })
                    .collect();
                levels.join("/")
            })
            .collect()
    }
}

impl Default for TopicLayouts {
    fn default() -> Self {
        // The default list is a constant that the tests below parse.
        #[allow(clippy::unwrap_used)]
        Self::parse(DEFAULT_INBOUND_TOPICS).unwrap()
    }
}

/// The topics a stand is set up to use, as an admin picks them before it has ever been heard
/// (afterwards the stand is answered on the topics it wrote on).
// The answer after it was heard: [`answer_topic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(rename_all = "snake_case")
)]
pub enum StandTopics {
    /// `{stand}/inbound` and `{stand}/outbound`.
    #[default]
    Standard,
    /// The old stack's `Testdevice/{stand}/Inbound` and `Testdevice/{stand}/Outbound`.
    Legacy,
    /// The stand builders' module guide: `Testdevice/{stand}/inbound` and
    /// `Testdevice/{stand}/outbound` (lowercase).
    Guide,
}

impl StandTopics {
    /// Every choice, in the order forms list them.
    pub const ALL: [Self; 3] = [Self::Standard, Self::Legacy, Self::Guide];

    /// Its name in forms and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Legacy => "legacy",
            Self::Guide => "guide",
        }
    }

    /// What people call it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Legacy => "old stack",
            Self::Guide => "module guide",
        }
    }

    /// The choice named `raw` ([`Self::as_str`]).
    pub fn parse(raw: &str) -> Option<Self> {
        named(&Self::ALL, Self::as_str, raw)
    }

    /// Whether it is one of the `Testdevice/…` layouts.
    pub fn is_legacy(self) -> bool {
        self != Self::Standard
    }

    /// Its outbound topic with `{stand}` in place of the stand id.
    pub fn pattern(self) -> &'static str {
        match self {
            Self::Standard => "{stand}/outbound",
            Self::Legacy => "Testdevice/{stand}/Outbound",
            Self::Guide => "Testdevice/{stand}/outbound",
        }
    }

    /// The topic commands to `stand` are published on.
    pub fn outbound(self, stand: &StandId) -> String {
        self.pattern().replace("{stand}", stand.as_str())
    }

    /// The choice a stand's stored flag and outbound topic amount to.
    pub fn of(stand: &StandId, legacy: bool, outbound_topic: &str) -> Self {
        if outbound_topic == Self::Guide.outbound(stand) {
            Self::Guide
        } else if legacy {
            Self::Legacy
        } else {
            Self::Standard
        }
    }
}

/// The topic the server publishes commands to for a stand.
pub fn outbound_topic(stand: &StandId, legacy: bool) -> String {
    let topics = if legacy {
        StandTopics::Legacy
    } else {
        StandTopics::Standard
    };
    topics.outbound(stand)
}

/// The topic to answer a stand on, mirrored from the inbound `topic` it used: its last level
/// `inbound`, `Inbound` or `INBOUND` becomes `outbound`, `Outbound` or `OUTBOUND`
/// (`Testdevice/s1/inbound` is answered on `Testdevice/s1/outbound`). A topic of a custom
/// layout that does not end so is answered on [`outbound_topic`].
pub fn answer_topic(topic: &str, stand: &StandId, legacy: bool) -> String {
    let (head, last) = topic.rsplit_once('/').unwrap_or(("", topic));
    let Some(out) = mirror(last) else {
        return outbound_topic(stand, legacy);
    };
    if head.is_empty() {
        return outbound_topic(stand, legacy);
    }
    format!("{head}/{out}")
}

/// The outbound level answering an inbound one, in its spelling.
fn mirror(last: &str) -> Option<&'static str> {
    match last {
        "inbound" => Some("outbound"),
        "Inbound" => Some("Outbound"),
        "INBOUND" => Some("OUTBOUND"),
        _ => None,
    }
}

/// The primary inbound topic of a stand (what a stand publishes to).
pub fn inbound_topic(stand: &StandId, legacy: bool) -> String {
    if legacy {
        format!("Testdevice/{stand}/Inbound")
    } else {
        format!("{stand}/inbound")
    }
}

#[cfg(test)]
mod tests;
