-- Stand ids may hold Unicode letters and digits (the lab's stands have Danish names such as
-- prøvestand_3). The application checks the exact rule (StandId::parse); the database keeps a
-- bound that does not depend on the collation's idea of a "letter": 1-64 characters and none
-- of the characters that would break a topic.
ALTER TABLE stands DROP CONSTRAINT stands_id_check;
ALTER TABLE stands ADD CONSTRAINT stands_id_check
    CHECK (char_length(id) BETWEEN 1 AND 64 AND id !~ '[/+#[:space:][:cntrl:]]');

-- The outbound topic spelled like the inbound topic the stand last used (e.g.
-- Testdevice/s1/outbound for a stand publishing on Testdevice/s1/inbound), written by the
-- message handler and read when a command is published. NULL: derived from legacy_topics.
ALTER TABLE stands ADD COLUMN outbound_topic text;
