use super::Ack;
use bytes::{Bytes, BytesMut};
use slab::Slab;
use tracing::{info, trace, warn};

use crate::protocol::{
    matches, ConnAck, ConnAckProperties, PingResp, PubAck, PubComp, PubRec, PubRel, Publish,
    PublishProperties, SubAck, UnsubAck,
};
use crate::router::{DataRequest, FilterIdx, SubscriptionMeter, Waiters};
use crate::{ConnectionId, Filter, Offset, RouterConfig, Topic};

use crate::segments::{CommitLog, Position};
use crate::Storage;
use std::collections::{HashMap, VecDeque};
use std::io;
use std::time::Instant;

type PubWithProp = (Publish, Option<PublishProperties>);

#[derive(Clone)]
pub struct PublishData {
    pub publish: Publish,
    pub properties: Option<PublishProperties>,
    pub timestamp: Instant,
}

impl From<PubWithProp> for PublishData {
    fn from((publish, properties): PubWithProp) -> Self {
        PublishData {
            publish,
            properties,
            timestamp: Instant::now(),
        }
    }
}

// TODO: remove this from here
impl Storage for PublishData {
    // Patched: the entry itself and its properties count too, so that many small messages
    // cannot hide from a byte budget.
    fn size(&self) -> usize {
        entry_size(&self.publish, &self.properties)
    }
}

/// Patched: the bytes a publish takes in a log.
pub fn entry_size(publish: &Publish, properties: &Option<PublishProperties>) -> usize {
    std::mem::size_of::<PublishData>()
        + publish.topic.len()
        + publish.payload.len()
        + properties.as_ref().map_or(0, properties_size)
}

/// Patched: the bytes of a publish's properties outside the entry itself.
fn properties_size(p: &PublishProperties) -> usize {
    let text = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    text(&p.response_topic)
        + text(&p.content_type)
        + p.correlation_data.as_ref().map_or(0, |d| d.len())
        + p.subscription_identifiers.len() * std::mem::size_of::<usize>()
        + p.user_properties
            .iter()
            .map(|(k, v)| k.len() + v.len() + std::mem::size_of::<(String, String)>())
            .sum::<usize>()
}

/// Patched: the most bytes of topics the topic → filters cache holds before it starts over.
const MAX_TOPIC_CACHE_BYTES: usize = 4 * 1024 * 1024;

/// Patched: the largest buffer a log copies its messages' bytes into (see `Data::own`).
const MAX_ARENA_BYTES: usize = 1024 * 1024;

/// Stores 'device' data and 'actions' data in native commitlog
/// organized by subscription filter. Device data is replicated
/// while actions data is not
pub struct DataLog {
    pub config: RouterConfig,
    /// Native commitlog data organized by subscription. Contains
    /// device data and actions data logs.
    ///
    /// Device data is replicated while actions data is not.
    /// Also has waiters used to wake connections/replicator tracker
    /// which are caught up with all the data on 'Filter' and waiting
    /// for new data
    pub native: Slab<Data<PublishData>>,
    /// Map of subscription filter name to filter index
    filter_indexes: HashMap<Filter, FilterIdx>,
    retained_publishes: HashMap<Topic, PublishData>,
    /// List of filters associated with a topic
    publish_filters: HashMap<Topic, Vec<FilterIdx>>,
    /// Patched: bytes held by all the logs of `native`
    log_bytes: usize,
    /// Patched: bytes held by `retained_publishes`
    retained_bytes: usize,
    /// Patched: bytes of topics in `publish_filters`
    topic_cache_bytes: usize,
}

impl DataLog {
    pub fn new(config: RouterConfig) -> io::Result<DataLog> {
        let mut native = Slab::new();
        let mut filter_indexes = HashMap::new();
        let retained_publishes = HashMap::new();
        let publish_filters = HashMap::new();

        if let Some(warmup_filters) = config.initialized_filters.clone() {
            for filter in warmup_filters {
                let data = Data::new(&filter, &config);

                // Add commitlog to datalog and add datalog index to filter to
                // datalog index map
                let idx = native.insert(data);
                filter_indexes.insert(filter, idx);
            }
        }

        Ok(DataLog {
            config,
            native,
            publish_filters,
            filter_indexes,
            retained_publishes,
            log_bytes: 0,
            retained_bytes: 0,
            topic_cache_bytes: 0,
        })
    }

    /// Patched: bytes held by all the logs
    pub fn log_bytes(&self) -> usize {
        self.log_bytes
    }

    /// Patched: appends to the log of `filter_idx`, keeping count of the bytes held
    pub fn append(
        &mut self,
        filter_idx: FilterIdx,
        item: PublishData,
        notifications: &mut VecDeque<(ConnectionId, DataRequest)>,
    ) -> (Offset, &Filter) {
        let data = self.native.get_mut(filter_idx).unwrap();
        let before = data.log.size() as usize;
        let item = data.own(item);
        let (offset, _) = data.append(item, notifications);
        self.log_bytes = self.log_bytes - before + data.log.size() as usize;
        (offset, &self.native[filter_idx].filter)
    }

    /// Patched: frees what no reader needs any more: `needed` holds, per log, the lowest
    /// absolute offset a reader (subscriber, persistent session, message in flight) will still
    /// read; a log without entry has no reader. Returns the bytes freed.
    pub fn drop_read(&mut self, needed: &HashMap<FilterIdx, u64>) -> usize {
        let mut freed = 0;
        for (idx, data) in self.native.iter_mut() {
            let keep_from = needed.get(&idx).copied().unwrap_or(u64::MAX);
            freed += data.drop_before(keep_from) as usize;
        }
        self.log_bytes -= freed;
        freed
    }

    /// Patched: drops the oldest segments of the largest logs, unread or not, until the logs
    /// hold at most `target` bytes; with `keep`, only segments that end at or before the offset
    /// `keep` holds for their log (the connected readers' lowest). Returns the bytes freed.
    pub fn drop_oldest_until(
        &mut self,
        target: usize,
        keep: Option<&HashMap<FilterIdx, u64>>,
    ) -> usize {
        let mut freed = 0;
        while self.log_bytes > target {
            let largest = self
                .native
                .iter()
                .filter(|(idx, data)| {
                    let keep_from = keep.map_or(u64::MAX, |k| *k.get(idx).unwrap_or(&u64::MAX));
                    data.log.size() > 0 && data.log.oldest_end() <= keep_from
                })
                .max_by_key(|(_, data)| data.log.size())
                .map(|(idx, _)| idx);
            let Some(idx) = largest else { break };
            let dropped = self.native[idx].drop_oldest() as usize;
            if dropped == 0 {
                break;
            }
            warn!(
                filter = self.native[idx].filter,
                bytes = dropped,
                "Log budget exceeded: dropped unread messages"
            );
            self.log_bytes -= dropped;
            freed += dropped;
        }
        freed
    }

    pub fn meter(&mut self, filter: &str) -> Option<&mut SubscriptionMeter> {
        let data = self.native.get_mut(*self.filter_indexes.get(filter)?)?;
        Some(&mut data.meter)
    }

    pub fn waiters(&self, filter: &Filter) -> Option<&Waiters<DataRequest>> {
        self.native
            .get(*self.filter_indexes.get(filter)?)
            .map(|data| &data.waiters)
    }

    pub fn remove_waiters_for_id(
        &mut self,
        id: ConnectionId,
        filter: &Filter,
    ) -> Option<DataRequest> {
        let data = self
            .native
            .get_mut(*self.filter_indexes.get(filter)?)
            .unwrap();
        let waiters = data.waiters.get_mut();

        waiters
            .iter()
            .position(|&(conn_id, _)| conn_id == id)
            .and_then(|index| {
                waiters
                    .swap_remove_back(index)
                    .map(|(_, data_req)| data_req)
            })
    }

    // TODO: Currently returning a Option<Vec> instead of Option<&Vec> due to Rust borrow checker
    // limitation
    pub fn matches(&mut self, topic: &str) -> Option<Vec<usize>> {
        match &self.publish_filters.get(topic) {
            Some(v) => Some(v.to_vec()),
            None => {
                let v: Vec<usize> = self
                    .filter_indexes
                    .iter()
                    .filter(|(filter, _)| matches(topic, filter))
                    .map(|(_, filter_idx)| *filter_idx)
                    .collect();

                if !v.is_empty() {
                    // Patched: the cache starts over rather than grow with every topic ever seen.
                    if self.topic_cache_bytes > MAX_TOPIC_CACHE_BYTES {
                        self.publish_filters.clear();
                        self.topic_cache_bytes = 0;
                    }
                    self.topic_cache_bytes += topic.len() + 8 * v.len() + 64;
                    self.publish_filters.insert(topic.to_owned(), v.clone());
                }

                Some(v)
            }
        }
    }

    pub fn next_native_offset(&mut self, filter: &str) -> (FilterIdx, Offset) {
        let publish_filters = &mut self.publish_filters;
        let filter_indexes = &mut self.filter_indexes;

        let (filter_idx, data) = match filter_indexes.get(filter) {
            Some(idx) => (*idx, self.native.get(*idx).unwrap()),
            None => {
                let data = Data::new(filter, &self.config);

                // Add commitlog to datalog and add datalog index to filter to
                // datalog index map
                let idx = self.native.insert(data);
                self.filter_indexes.insert(filter.to_owned(), idx);

                // Match new filter to existing topics and add to publish_filters if it matches
                for (topic, filters) in publish_filters.iter_mut() {
                    if matches(topic, filter) {
                        filters.push(idx);
                    }
                }

                (idx, self.native.get(idx).unwrap())
            }
        };

        (filter_idx, data.log.next_offset())
    }

    pub fn native_readv(
        &self,
        filter_idx: FilterIdx,
        offset: Offset,
        len: u64,
    ) -> io::Result<(Position, Vec<(PubWithProp, Offset)>)> {
        // unwrap to get index of `self.native` is fine here, because when a new subscribe packet
        // arrives in `Router::handle_device_payload`, it first calls the function
        // `next_native_offset` which creates a new commitlog if one doesn't exist. So any new
        // reads will definitely happen on a valid filter.
        let data = self.native.get(filter_idx).unwrap();
        let mut o = Vec::new();
        // TODO: `readv` is infallible but its current return type does not
        // reflect that. Consequently, this method is also infallible.
        // Encoding this information is important so that calling function
        // has more information on how this method behaves.
        let next = data.log.readv(offset, len, &mut o)?;

        let now = Instant::now();
        o.retain_mut(|(pubdata, _)| {
            // Keep data if no properties exists, which implies no message expiry!
            let Some(properties) = pubdata.properties.as_mut() else {
                return true;
            };

            // Keep data if there is no message_expiry_interval
            let Some(message_expiry_interval) = properties.message_expiry_interval.as_mut() else {
                return true;
            };

            let time_spent = (now - pubdata.timestamp).as_secs() as u32;

            let is_valid = time_spent < *message_expiry_interval;

            // ignore expired messages
            if is_valid {
                // set message_expiry_interval to (original value - time spent waiting in server)
                // ref: https://docs.oasis-open.org/mqtt/mqtt/v5.0/os/mqtt-v5.0-os.html#_Toc3901112
                *message_expiry_interval -= time_spent;
            }

            is_valid
        });

        // no need to include timestamp when returning
        let o = o
            .into_iter()
            .map(|(pubdata, offset)| ((pubdata.publish, pubdata.properties), offset))
            .collect();

        Ok((next, o))
    }

    pub fn shadow(&mut self, filter: &str) -> Option<PubWithProp> {
        let data = self.native.get_mut(*self.filter_indexes.get(filter)?)?;
        data.log.last().map(|p| (p.publish, p.properties))
    }

    /// This method is called when the subscriber has caught up with the commit log. In which case,
    /// instead of actively checking for commits in each `Router::run_inner` iteration, we instead
    /// wait and only try reading again when new messages have been added to the commit log. This
    /// methods converts a `DataRequest` (which actively reads the commit log in `Router::consume`)
    /// to a `Waiter` (which only reads when notified).
    pub fn park(&mut self, id: ConnectionId, request: DataRequest) {
        // calling unwrap on index here is fine, because only place this function is called is in
        // `Router::consume` method, when the status after reading from commit log of the same
        // filter as `request` is "done", that is, the subscriber has caught up. In other words,
        // there has been atleast 1 call to `native_readv` for the same filter, which means if
        // `native_readv` hasn't paniced, so this won't panic either.
        let data = self.native.get_mut(request.filter_idx).unwrap();
        data.waiters.register(id, request);
    }

    /// Cleanup a connection from all the waiters
    pub fn clean(&mut self, id: ConnectionId) -> Vec<DataRequest> {
        let mut inflight = Vec::new();
        for (_, data) in self.native.iter_mut() {
            inflight.append(&mut data.waiters.remove(id));
        }

        inflight
    }

    pub fn insert_to_retained_publishes(
        &mut self,
        publish: Publish,
        publish_properties: Option<PublishProperties>,
        topic: Topic,
    ) {
        let mut publish = publish;
        // Patched: own bytes, not a slice keeping a network read buffer alive
        publish.topic = Bytes::copy_from_slice(&publish.topic);
        publish.payload = Bytes::copy_from_slice(&publish.payload);
        let pub_with_props: PublishData = (publish, publish_properties).into();
        // Patched: retained messages get a quarter of the log budget; one that does not fit
        // replaces the old one of its topic by nothing.
        self.remove_from_retained_publishes(topic.clone());
        let size = pub_with_props.size();
        let budget = self.config.max_away_log_bytes.or(self.config.max_log_bytes);
        if let Some(budget) = budget {
            if self.retained_bytes + size > budget / 4 {
                warn!(topic, "Retained messages over their budget: not retained");
                return;
            }
        }
        self.retained_bytes += size;
        self.retained_publishes.insert(topic, pub_with_props);
    }

    pub fn remove_from_retained_publishes(&mut self, topic: Topic) {
        if let Some(removed) = self.retained_publishes.remove(&topic) {
            self.retained_bytes -= removed.size();
        }
    }

    pub fn read_retained_messages(&mut self, filter: &str) -> Vec<PubWithProp> {
        trace!(info = "reading retain msg", filter = &filter);
        let now = Instant::now();

        // discard expired retained messages
        self.retained_publishes.retain(|_, pubdata| {
            // Keep data if no properties exists, which implies no message expiry!
            let Some(properties) = pubdata.properties.as_mut() else {
                return true;
            };

            // Keep data if there is no message_expiry_interval
            let Some(message_expiry_interval) = properties.message_expiry_interval.as_mut() else {
                return true;
            };

            let time_spent = (now - pubdata.timestamp).as_secs() as u32;

            let is_valid = time_spent < *message_expiry_interval;

            // ignore expired messages
            if is_valid {
                // set message_expiry_interval to (original value - time spent waiting in server)
                // ref: https://docs.oasis-open.org/mqtt/mqtt/v5.0/os/mqtt-v5.0-os.html#_Toc3901112
                *message_expiry_interval -= time_spent;
            }

            is_valid
        });
        // Patched: what expired above is no longer held
        self.retained_bytes = self.retained_publishes.values().map(|p| p.size()).sum();

        // no need to include timestamp when returning
        self.retained_publishes
            .iter()
            .filter(|(topic, _)| matches(topic, filter))
            .map(|(_, p)| (p.publish.clone(), p.properties.clone()))
            .collect()
    }
}

pub struct Data<T> {
    filter: Filter,
    pub log: CommitLog<T>,
    pub waiters: Waiters<DataRequest>,
    meter: SubscriptionMeter,
    /// Patched: the buffer the active segment's messages are copied into (see `own`)
    arena: BytesMut,
    arena_size: usize,
}

impl<T> Data<T>
where
    T: Storage + Clone,
{
    pub fn new(filter: &str, router_config: &RouterConfig) -> Data<T> {
        let mut max_segment_size = router_config.max_segment_size;
        let mut max_mem_segments = router_config.max_segment_count;

        // Override segment config for selected filter
        if let Some(config) = &router_config.custom_segment {
            for (f, segment_config) in config {
                if matches(filter, f) {
                    info!("Overriding segment config for filter: {}", filter);
                    max_segment_size = segment_config.max_segment_size;
                    max_mem_segments = segment_config.max_segment_count;
                }
            }
        }

        // max_segment_size: usize, max_mem_segments: usize
        let log = CommitLog::new(max_segment_size, max_mem_segments).unwrap();

        let waiters = Waiters::with_capacity(10);
        let metrics = SubscriptionMeter::default();
        Data {
            filter: filter.to_owned(),
            log,
            waiters,
            meter: metrics,
            arena: BytesMut::new(),
            arena_size: max_segment_size.min(MAX_ARENA_BYTES),
        }
    }

    /// Writes to all the filters that are mapped to this publish topic
    /// and wakes up consumers that are matching this topic (if they exist)
    pub fn append(
        &mut self,
        item: T,
        notifications: &mut VecDeque<(ConnectionId, DataRequest)>,
    ) -> (Offset, &Filter) {
        let size = item.size();
        let offset = self.log.append(item);
        if let Some(mut parked) = self.waiters.take() {
            notifications.append(&mut parked);
        }

        self.meter.count += 1;
        self.meter.total_size += size;

        (offset, &self.filter)
    }
}

/// Patched: what a log keeps owns its bytes, in buffers of the segment it is in.
impl Data<PublishData> {
    /// Copies topic, payload and correlation data into the active segment's buffer (a new one
    /// when the message starts a new segment or does not fit). Without the copy, each message
    /// kept a slice of the network read buffer it came in, and with it the whole buffer
    /// (kilobytes for a few bytes), which no byte budget sees. In buffers of their segment,
    /// the bytes go back to the system when the segment is dropped (`MAX_ARENA_BYTES` is at
    /// or above the size from which allocators map memory of its own).
    fn own(&mut self, mut item: PublishData) -> PublishData {
        if self.log.active_is_full() {
            self.arena = BytesMut::new();
        }
        let correlation = item
            .properties
            .as_mut()
            .and_then(|p| p.correlation_data.as_mut());
        let need = item.publish.topic.len()
            + item.publish.payload.len()
            + correlation.as_ref().map_or(0, |d| d.len());
        if self.arena.capacity() - self.arena.len() < need {
            self.arena = BytesMut::with_capacity(need.max(self.arena_size));
        }
        let mut copy = |bytes: &Bytes| {
            self.arena.extend_from_slice(bytes);
            self.arena.split().freeze()
        };
        if let Some(data) = correlation {
            *data = copy(data);
        }
        item.publish.topic = copy(&item.publish.topic);
        item.publish.payload = copy(&item.publish.payload);
        item
    }

    /// `CommitLog::drop_before`; a new active segment gets a new buffer.
    fn drop_before(&mut self, keep_from: u64) -> u64 {
        let tail = self.log.next_offset().0;
        let freed = self.log.drop_before(keep_from);
        if self.log.next_offset().0 != tail {
            self.arena = BytesMut::new();
        }
        freed
    }

    /// `CommitLog::drop_oldest`; a new active segment gets a new buffer.
    fn drop_oldest(&mut self) -> u64 {
        let tail = self.log.next_offset().0;
        let freed = self.log.drop_oldest();
        if self.log.next_offset().0 != tail {
            self.arena = BytesMut::new();
        }
        freed
    }
}

/// Acks log for a subscription
#[derive(Debug)]
pub struct AckLog {
    // Committed acks per connection. First pkid, last pkid, data
    committed: VecDeque<Ack>,
    // Recorded qos 2 publishes (patched: `None` for a publish the topic access hook refused)
    recorded: VecDeque<Option<(Publish, Option<PublishProperties>)>>,
}

impl AckLog {
    /// New log
    pub fn new() -> AckLog {
        AckLog {
            committed: VecDeque::with_capacity(100),
            recorded: VecDeque::with_capacity(100),
        }
    }

    pub fn connack(&mut self, id: ConnectionId, ack: ConnAck, props: Option<ConnAckProperties>) {
        let ack = Ack::ConnAck(id, ack, props);
        self.committed.push_back(ack);
    }

    pub fn suback(&mut self, ack: SubAck) {
        let ack = Ack::SubAck(ack);
        self.committed.push_back(ack);
    }

    pub fn puback(&mut self, ack: PubAck) {
        let ack = Ack::PubAck(ack);
        self.committed.push_back(ack);
    }

    pub fn pubrec(&mut self, publish: Publish, props: Option<PublishProperties>, ack: PubRec) {
        let ack = Ack::PubRec(ack);
        self.recorded.push_back(Some((publish, props)));
        self.committed.push_back(ack);
    }

    /// Patched: PUBREC for a refused publish, which PUBREL then completes without storing it
    pub fn pubrec_refused(&mut self, ack: PubRec) {
        self.recorded.push_back(None);
        self.committed.push_back(Ack::PubRec(ack));
    }

    pub fn pubrel(&mut self, ack: PubRel) {
        let ack = Ack::PubRel(ack);
        self.committed.push_back(ack);
    }

    /// `None` when no publish awaits this PUBREL, `Some(None)` for a refused publish (patched)
    #[allow(clippy::type_complexity)]
    pub fn pubcomp(
        &mut self,
        ack: PubComp,
    ) -> Option<Option<(Publish, Option<PublishProperties>)>> {
        let ack = Ack::PubComp(ack);
        self.committed.push_back(ack);
        self.recorded.pop_front()
    }

    pub fn pingresp(&mut self, ack: PingResp) {
        let ack = Ack::PingResp(ack);
        self.committed.push_back(ack);
    }

    pub fn unsuback(&mut self, ack: UnsubAck) {
        let ack = Ack::UnsubAck(ack);
        self.committed.push_back(ack);
    }

    pub fn readv(&mut self) -> &mut VecDeque<Ack> {
        &mut self.committed
    }
}

#[cfg(test)]
mod test {
    use super::{DataLog, PublishData};
    use crate::protocol::Publish;
    use crate::router::shared_subs::Strategy;
    use crate::segments::Storage;
    use crate::RouterConfig;
    use bytes::Bytes;
    use std::collections::{HashMap, VecDeque};

    #[test]
    fn publish_filters_updating_correctly_on_new_topic_subscription() {
        let config = RouterConfig {
            max_segment_size: 1024,
            max_connections: 10,
            max_segment_count: 10,
            max_outgoing_packet_count: 1024,
            custom_segment: None,
            initialized_filters: None,
            shared_subscriptions_strategy: Strategy::RoundRobin,
            max_away_log_bytes: None,
            max_log_bytes: None,
        };
        let mut data = DataLog::new(config).unwrap();
        data.next_native_offset("topic/a");
        data.matches("topic/a");

        data.next_native_offset("topic/+");

        assert_eq!(data.publish_filters.get("topic/a").unwrap().len(), 2);
    }

    // Patched: the log budget.
    fn budget_config(max_log_bytes: usize) -> RouterConfig {
        RouterConfig {
            max_segment_size: 10 * 1024,
            max_connections: 10,
            max_segment_count: 100,
            max_outgoing_packet_count: 1024,
            custom_segment: None,
            initialized_filters: None,
            shared_subscriptions_strategy: Strategy::RoundRobin,
            max_away_log_bytes: Some(max_log_bytes),
            max_log_bytes: None,
        }
    }

    fn message(topic: &str, payload: &[u8]) -> Publish {
        Publish::new(
            Bytes::from(topic.to_owned()),
            Bytes::from(payload.to_vec()),
            false,
        )
    }

    fn publish(topic: &str, payload: &[u8]) -> PublishData {
        (message(topic, payload), None).into()
    }

    #[test]
    fn appends_are_counted_and_own_their_bytes() {
        let mut data = DataLog::new(budget_config(1 << 20)).unwrap();
        let (idx, _) = data.next_native_offset("a/+");
        let incoming = Bytes::from(vec![7u8; 1000]);
        let mut item = publish("a/inbound", b"");
        item.publish.payload = incoming.slice(10..110);
        let size = item.size();
        let mut notifications = VecDeque::new();
        data.append(idx, item, &mut notifications);
        assert_eq!(data.log_bytes(), size);

        let (_, stored) = data.native_readv(idx, (0, 0), 10).unwrap();
        let stored = &stored[0].0 .0.payload;
        assert_eq!(stored[..], incoming[10..110]);
        let within = incoming.as_ptr_range();
        assert!(
            !within.contains(&stored.as_ptr()),
            "a slice of the read buffer was kept"
        );
    }

    #[test]
    fn drop_read_frees_what_readers_passed_and_logs_without_readers() {
        let mut data = DataLog::new(budget_config(1 << 20)).unwrap();
        let (read, _) = data.next_native_offset("read/+");
        let (unread, _) = data.next_native_offset("unread/+");
        let (no_reader, _) = data.next_native_offset("nobody/+");
        let mut notifications = VecDeque::new();
        for i in 0..30 {
            let payload = vec![i as u8; 1024];
            data.append(read, publish("read/x", &payload), &mut notifications);
            data.append(unread, publish("unread/x", &payload), &mut notifications);
            data.append(no_reader, publish("nobody/x", &payload), &mut notifications);
        }
        let before = data.log_bytes();
        let needed = HashMap::from([(read, 30), (unread, 0)]);
        let freed = data.drop_read(&needed);
        assert_eq!(data.log_bytes(), before - freed);
        assert_eq!(data.native[read].log.size(), 0);
        assert_eq!(data.native[no_reader].log.size(), 0);
        assert_eq!(data.log_bytes(), data.native[unread].log.size() as usize);
        let (_, kept) = data.native_readv(unread, (0, 0), 100).unwrap();
        assert_eq!(kept.len(), 30, "unread messages stay");
    }

    #[test]
    fn over_the_budget_the_largest_log_loses_its_oldest_segments() {
        let mut data = DataLog::new(budget_config(1 << 20)).unwrap();
        let (large, _) = data.next_native_offset("large/+");
        let (small, _) = data.next_native_offset("small/+");
        let mut notifications = VecDeque::new();
        for i in 0..40 {
            data.append(
                large,
                publish("large/x", &[i as u8; 1024]),
                &mut notifications,
            );
        }
        data.append(small, publish("small/x", &[1; 1024]), &mut notifications);
        let small_size = data.native[small].log.size() as usize;
        let target = data.log_bytes() / 2;
        data.drop_oldest_until(target, None);
        assert!(data.log_bytes() <= target);
        assert_eq!(data.native[small].log.size() as usize, small_size);
        let (_, kept) = data.native_readv(large, (0, 0), 100).unwrap();
        let first = kept.first().map(|((p, _), _)| p.payload[0]);
        let last = kept.last().map(|((p, _), _)| p.payload[0]);
        assert!(first > Some(0), "the oldest went first");
        assert_eq!(last, Some(39), "the newest stayed");
    }

    #[test]
    fn segments_connected_readers_still_need_are_kept() {
        let mut data = DataLog::new(budget_config(1 << 20)).unwrap();
        let (read_on, _) = data.next_native_offset("live/+");
        let (away, _) = data.next_native_offset("away/+");
        let mut notifications = VecDeque::new();
        for i in 0..40 {
            data.append(
                read_on,
                publish("live/x", &[i as u8; 1024]),
                &mut notifications,
            );
        }
        for i in 0..20 {
            data.append(
                away,
                publish("away/x", &[i as u8; 1024]),
                &mut notifications,
            );
        }
        // A connected reader at offset 5 of the larger log: none of its segments can go.
        let connected = HashMap::from([(read_on, 5)]);
        data.drop_oldest_until(0, Some(&connected));
        assert_eq!(data.native[away].log.size(), 0, "the away log went");
        let (_, kept) = data.native_readv(read_on, (0, 5), 100).unwrap();
        assert_eq!(kept.len(), 35, "what the connected reader needs stays");
        assert_eq!(data.log_bytes(), data.native[read_on].log.size() as usize);
    }

    #[test]
    fn retained_messages_get_a_quarter_of_the_budget() {
        let mut data = DataLog::new(budget_config(64 * 1024)).unwrap();
        for i in 0..10 {
            let topic = format!("t/{i}");
            let publish = message(&topic, &[1u8; 4000]);
            data.insert_to_retained_publishes(publish, None, topic);
        }
        assert_eq!(data.read_retained_messages("t/+").len(), 3);
        assert!(data.retained_bytes <= 16 * 1024);
        // Replacing one keeps the count right.
        let publish = message("t/0", &[2u8; 10]);
        data.insert_to_retained_publishes(publish, None, "t/0".to_owned());
        data.remove_from_retained_publishes("t/1".to_owned());
        let sizes: usize = data.retained_publishes.values().map(|p| p.size()).sum();
        assert_eq!(data.retained_bytes, sizes);
    }

    #[test]
    fn publish_filters_updating_correctly_on_new_publish() {
        let config = RouterConfig {
            max_segment_size: 1024,
            max_connections: 10,
            max_segment_count: 10,
            max_outgoing_packet_count: 1024,
            custom_segment: None,
            initialized_filters: None,
            shared_subscriptions_strategy: Strategy::RoundRobin,
            max_away_log_bytes: None,
            max_log_bytes: None,
        };
        let mut data = DataLog::new(config).unwrap();
        data.next_native_offset("+/+");

        data.matches("topic/a");

        assert_eq!(data.publish_filters.get("topic/a").unwrap().len(), 1);
    }

    //     #[test]
    //     fn appends_are_written_to_correct_commitlog() {
    //         pretty_env_logger::init();
    //         let config = RouterConfig {
    //             instant_ack: true,
    //             max_segment_size: 1024,
    //             max_connections: 10,
    //             max_mem_segments: 10,
    //             max_disk_segments: 0,
    //             max_read_len: 1024,
    //             log_dir: None,
    //             dynamic_log: true,
    //         };

    //         let mut data = DataLog::new(config).unwrap();
    //         data.next_native_offset("/devices/2321/actions");
    //         for i in 0..2 {
    //             let publish = Publish::new("/devices/2321/events/imu/jsonarray", QoS::AtLeastOnce, vec![1, 2, 3]);
    //             let v = data.native_append(publish);
    //             dbg!(v);
    //         }

    //         for i in 0..2 {
    //             let publish = Publish::new("/devices/2321/actions", QoS::AtLeastOnce, vec![1, 2, 3]);
    //             let v = data.native_append(publish);
    //             dbg!(v);
    //         }
    //     }
}
