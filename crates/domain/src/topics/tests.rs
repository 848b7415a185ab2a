//! The topic layouts' tests: matching, answers, outbound topics, shared subscriptions.

use super::*;

/// The stand `layouts` reads from `topic`, which must match, and whether the topic is legacy.
fn read(layouts: &TopicLayouts, topic: &str) -> (String, bool) {
    let m = layouts.match_topic(topic).expect(topic);
    (m.stand.as_str().to_owned(), m.legacy)
}

#[test]
fn the_topic_choices_name_their_outbound_topic_and_are_read_back() {
    let s = StandId::parse("prøvestand_3").expect("id");
    for (t, topic) in [
        (StandTopics::Standard, "prøvestand_3/outbound"),
        (StandTopics::Legacy, "Testdevice/prøvestand_3/Outbound"),
        (StandTopics::Guide, "Testdevice/prøvestand_3/outbound"),
    ] {
        assert_eq!(t.outbound(&s), topic);
        assert_eq!(StandTopics::of(&s, t.is_legacy(), topic), t);
        assert_eq!(StandTopics::parse(t.as_str()), Some(t));
    }
    assert_eq!(StandTopics::parse("Guide"), None);
    assert_eq!(StandTopics::parse(" guide"), None);
    assert_eq!(StandTopics::parse(""), None);
}

#[test]
fn matches_both_default_layouts() {
    let layouts = TopicLayouts::default();
    let primary = read(&layouts, "teststand1/inbound");
    assert_eq!(primary, ("teststand1".into(), false));
    assert_eq!(
        read(&layouts, "Testdevice/rig-2/Inbound"),
        ("rig-2".into(), true)
    );
    let rig = StandId::parse("rig-2").expect("id");
    assert_eq!(outbound_topic(&rig, true), "Testdevice/rig-2/Outbound");
    assert_eq!(outbound_topic(&rig, false), "rig-2/outbound");
}

#[test]
fn the_module_guides_lowercase_layout_is_answered_in_lowercase() {
    let layouts = TopicLayouts::default();
    let topic = "Testdevice/prøvestand_3/inbound";
    let m = layouts.match_topic(topic).expect("lowercase legacy");
    assert_eq!((m.stand.as_str(), m.legacy), ("prøvestand_3", true));
    assert_eq!(
        answer_topic(topic, &m.stand, m.legacy),
        "Testdevice/prøvestand_3/outbound"
    );
    let m = layouts
        .match_topic("Testdevice/s1/Inbound")
        .expect("legacy");
    assert_eq!(
        answer_topic("Testdevice/s1/Inbound", &m.stand, true),
        "Testdevice/s1/Outbound"
    );
    // A stand named like the level is still answered on its own topic.
    let m = layouts.match_topic("inbound/inbound").expect("primary");
    assert_eq!(
        answer_topic("inbound/inbound", &m.stand, false),
        "inbound/outbound"
    );
    // A custom layout without an inbound level falls back to the standard topics.
    let s1 = StandId::parse("s1").expect("id");
    assert_eq!(
        answer_topic("lab/s1/in", &s1, true),
        "Testdevice/s1/Outbound"
    );
    assert_eq!(answer_topic("inbound", &s1, false), "s1/outbound");
}

#[test]
fn refuses_foreign_topics_and_bad_ids() {
    let layouts = TopicLayouts::default();
    assert!(matches!(
        layouts.match_topic("a/b/c/d"),
        Err(TopicError::NoLayout(_))
    ));
    assert!(matches!(
        layouts.match_topic("x/outbound"),
        Err(TopicError::NoLayout(_))
    ));
    assert!(matches!(
        layouts.match_topic("bad id!/inbound"),
        Err(TopicError::BadStandId { .. })
    ));
    assert!(matches!(
        layouts.match_topic("/inbound"),
        Err(TopicError::BadStandId { .. })
    ));
}

#[test]
fn outbound_topics_name_their_stand_and_nothing_else_does() {
    let layouts = TopicLayouts::default();
    let s = StandId::parse("rig-1").expect("id");
    let topics = layouts.outbound_topics(&s);
    assert_eq!(
        topics,
        [
            "rig-1/outbound",
            "Testdevice/rig-1/Outbound",
            "Testdevice/rig-1/outbound"
        ]
    );
    for t in &topics {
        assert_eq!(layouts.outbound_stand(t), Some(s.clone()), "{t}");
    }
    for t in [
        "rig-1/inbound",
        "Testdevice/rig-1/Inbound",
        "Testdevice/rig-1/inbound",
        "+/outbound",
        "#",
        "rig-1/#",
        "Testdevice/+/Outbound",
        "$SYS/broker/outbound",
        "lab/rig-1/outbound",
        "rig-1/outbound/x",
        "/outbound",
        "bad id!/outbound",
        "",
    ] {
        assert_eq!(layouts.outbound_stand(t), None, "{t}");
    }
    let custom = TopicLayouts::parse("lab/+/INBOUND").expect("custom");
    assert_eq!(custom.outbound_stand("lab/rig-1/OUTBOUND"), Some(s.clone()));
    assert_eq!(custom.outbound_topics(&s)[0], "lab/rig-1/OUTBOUND");
}

#[test]
fn refuses_bad_filter_lists() {
    assert_eq!(TopicLayouts::parse(" , "), Err(LayoutError::Empty));
    assert!(TopicLayouts::parse("a/#").is_err());
    assert!(TopicLayouts::parse("+/+/inbound").is_err());
    assert!(TopicLayouts::parse("inbound").is_err());
    assert!(TopicLayouts::parse("x+/inbound").is_err());
    let custom = TopicLayouts::parse("lab/+/in").expect("custom");
    assert_eq!(custom.filters().collect::<Vec<_>>(), ["lab/+/in"]);
}

#[test]
fn shared_subscriptions_read_the_stand_from_the_topic_the_broker_delivers() {
    let layouts =
        TopicLayouts::parse("$share/handlers/+/inbound,$share/handlers/Testdevice/+/Inbound")
            .expect("shared");
    assert_eq!(layouts.share_group(), Some("handlers"));
    assert_eq!(
        layouts.filters().collect::<Vec<_>>(),
        [
            "$share/handlers/+/inbound",
            "$share/handlers/Testdevice/+/Inbound"
        ]
    );
    assert_eq!(
        layouts.topic_filters().collect::<Vec<_>>(),
        ["+/inbound", "Testdevice/+/Inbound"]
    );
    // The broker delivers a shared subscription's message with the topic it was published on.
    assert_eq!(read(&layouts, "rig-1/inbound"), ("rig-1".into(), false));
    assert_eq!(
        read(&layouts, "Testdevice/rig-2/Inbound"),
        ("rig-2".into(), true)
    );
    assert!(
        layouts
            .match_topic("$share/handlers/rig-1/inbound")
            .is_err()
    );
    // Commands still go to the stands' own outbound topics.
    let s = StandId::parse("rig-1").expect("id");
    assert_eq!(layouts.outbound_topics(&s)[0], "rig-1/outbound");
    assert_eq!(layouts.outbound_stand("rig-1/outbound"), Some(s));
    assert_eq!(TopicLayouts::default().share_group(), None);
}

#[test]
fn refuses_bad_shared_subscriptions() {
    for bad in [
        "$share//+/inbound",
        "$share/g",
        "$share/g/",
        "$share/g+/+/inbound",
    ] {
        assert!(
            matches!(TopicLayouts::parse(bad), Err(LayoutError::BadShare(_))),
            "{bad}"
        );
    }
    assert!(TopicLayouts::parse("$share/g/#").is_err());
    for mixed in [
        "$share/g/+/inbound,Testdevice/+/Inbound",
        "$share/g/+/inbound,$share/h/Testdevice/+/Inbound",
    ] {
        assert!(
            matches!(TopicLayouts::parse(mixed), Err(LayoutError::MixedShares(_))),
            "{mixed}"
        );
    }
}
