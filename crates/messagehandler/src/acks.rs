//! Handing acknowledgements to the MQTT client without ever waiting for room.
//!
//! The client's request queue is drained only while the MQTT task polls the connection, and
//! that task stops polling while the pipeline to the database is full (it waits to hand over
//! the next message). A writer that waited for room in the request queue therefore waited for
//! itself: in a long flood (200,000 statuses through Mosquitto, about 78,000 stored) the queue
//! of 65,536 requests filled, the writer stopped in `ack`, the parse stage and the MQTT task
//! stopped behind it, and the handler stored nothing more while the broker kept the rest.
//! The connection reads up to ten packets per poll and takes one request, so under a flood the
//! acknowledgements queue up faster than they leave.
//!
//! Acknowledgements that find the request queue full wait here, in arrival order, and are
//! handed over before any later one: the writer goes on, the pipeline drains, the MQTT task
//! polls again and empties the request queue. Each waiting acknowledgement is four bytes, and
//! only messages already stored wait.

use std::collections::VecDeque;

use rumqttc::{AsyncClient, Publish, QoS};

/// The acknowledgements owed, in order, and the client they go to.
pub(crate) struct Acks {
    client: AsyncClient,
    waiting: VecDeque<(QoS, u16)>,
}

impl Acks {
    pub(crate) fn new(client: AsyncClient) -> Self {
        Self {
            client,
            waiting: VecDeque::new(),
        }
    }

    /// Queues the acknowledgements of a committed batch (QoS 0 needs none) after those still
    /// waiting, and hands over as many as the client takes now.
    pub(crate) fn send(&mut self, acks: impl IntoIterator<Item = (QoS, u16)>) {
        self.waiting
            .extend(acks.into_iter().filter(|(qos, _)| *qos != QoS::AtMostOnce));
        self.flush();
    }

    /// Hands over waiting acknowledgements, in order, until the client's queue is full (or
    /// closed: the connection is gone, and the broker will deliver those messages again).
    pub(crate) fn flush(&mut self) {
        while let Some(&(qos, pkid)) = self.waiting.front() {
            let mut ack = Publish::new("", qos, Vec::new());
            ack.pkid = pkid;
            if self.client.try_ack(&ack).is_err() {
                break;
            }
            self.waiting.pop_front();
        }
    }

    /// How many wait for room.
    pub(crate) fn waiting(&self) -> usize {
        self.waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rumqttc::Request;

    fn pkids(rx: &flume::Receiver<Request>) -> Vec<u16> {
        rx.drain()
            .map(|r| match r {
                Request::PubRec(r) => r.pkid,
                Request::PubAck(a) => a.pkid,
                other => panic!("not an ack: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_full_request_queue_never_blocks_and_order_is_kept() {
        let (tx, rx) = flume::bounded(2);
        let mut acks = Acks::new(AsyncClient::from_senders(tx));
        acks.send([
            (QoS::ExactlyOnce, 1),
            (QoS::AtMostOnce, 0),
            (QoS::ExactlyOnce, 2),
            (QoS::AtLeastOnce, 3),
        ]);
        assert_eq!(acks.waiting(), 1, "the queue took two, one waits");
        // A later batch goes behind the one still waiting.
        acks.send([(QoS::ExactlyOnce, 4)]);
        assert_eq!(pkids(&rx), vec![1, 2]);
        acks.flush();
        assert_eq!(pkids(&rx), vec![3, 4]);
        assert_eq!(acks.waiting(), 0);
    }

    #[test]
    fn a_closed_request_queue_keeps_them_waiting_without_panicking() {
        let (tx, rx) = flume::bounded(4);
        drop(rx);
        let mut acks = Acks::new(AsyncClient::from_senders(tx));
        acks.send([(QoS::ExactlyOnce, 7), (QoS::ExactlyOnce, 8)]);
        assert_eq!(acks.waiting(), 2);
    }
}
