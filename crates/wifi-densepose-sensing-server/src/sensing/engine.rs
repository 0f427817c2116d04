//! The server's sensing state: what each decoded packet does (docs/wire.md §1.2), the node table,
//! the tick counter, the latest update and the effective source (3.7, 3.8).
//!
//! Synchronous and clock-injected (`now`, `wall`), so every rule is unit-tested without
//! sockets or sleeping; the async tasks only feed it and fan its output out.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use wifi_densepose_wire::iq::first_antenna_polar;
use wifi_densepose_wire::messages::{
    Classification, EdgeVitals, Features, Feed, FusedVitals, MmwaveReading, MotionLevel,
    SensingUpdate, VitalSigns, WasmEvent, WasmEventEntry,
};
use wifi_densepose_wire::{
    EdgeVitalsPacket, FeatureStatePacket, FusedVitalsPacket, IqOrder, Packet, RawCsiPacket,
    SyncPacket, WasmOutputPacket,
};

use crate::messages::{consistent_person_count, nonzero_rate, Outgoing, DEFAULT_POSITION};
use crate::sensing::field::{Blob, FieldCache};
use crate::sensing::mode::{NodePositions, SampleClock, SourceMode};
use crate::sensing::node::{
    EdgeState, NodeTracker, RawFrame, SyncSample, FORGOTTEN_AFTER, HIDDEN_AFTER,
};
use crate::sensing::room::{CalibrationRecorder, RoomOccupancy};
use crate::sensing::vitals::{BufferStatus, NO_VITALS};

/// Without accepted sensing data for this long, `"esp32"` becomes `"esp32:offline"`.
pub const OFFLINE_AFTER: Duration = Duration::from_secs(5);
/// `/api/v1/sensing/latest` reports `"stale"` for an update older than this.
pub const LATEST_STALE_AFTER: Duration = Duration::from_secs(10);

/// Where a packet came from: a synthetic node or an ESP32 (live UDP or a replay).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Synthetic,
    Esp32,
}

/// Counts of accepted packets per kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PacketCounts {
    pub by_kind: BTreeMap<&'static str, u64>,
}

fn kind_name(packet: &Packet) -> &'static str {
    match packet {
        Packet::RawCsi(_) => "raw_csi",
        Packet::EdgeVitals(_) => "edge_vitals",
        Packet::FeatureVector(_) => "feature_vector",
        Packet::FusedVitals(_) => "fused_vitals",
        Packet::CompressedCsi(_) => "compressed_csi",
        Packet::FeatureState(_) => "feature_state",
        Packet::WasmOutput(_) => "wasm_output",
        Packet::Sync(_) => "sync",
    }
}

#[derive(Debug, Clone)]
struct Latest {
    update: SensingUpdate,
    built: Instant,
}

#[derive(Debug)]
pub struct Engine {
    mode: SourceMode,
    mock_rate_hz: f64,
    positions: NodePositions,
    started: Instant,
    nodes: BTreeMap<u8, NodeTracker>,
    tick: u64,
    latest: Option<Latest>,
    latest_edge_vitals: Option<EdgeVitals>,
    esp32_active: bool,
    last_sensing_data: Option<Instant>,
    counts: PacketCounts,
    field_cache: FieldCache,
    /// The `--calibration` room: presence and person count from the field model.
    room: Option<RoomOccupancy>,
    /// `--record-calibration`: the empty-room recording in progress.
    recorder: Option<CalibrationRecorder>,
    /// `Some` while a batch of datagrams is ingested: the trigger node of the update the
    /// batch owes (built once by [`Engine::finish_batch`]).
    batch: Option<Option<u8>>,
    /// The trigger of an update owed but not yet affordable.
    deferred: Option<u8>,
    /// Build budget in node units (an update costs one unit per node it lists), and when it
    /// was last refilled.
    budget: f64,
    budget_at: Instant,
    /// `--speed` of a `--replay`.
    replay_speed: Option<f64>,
}

/// The build budget of batched ESP32 updates earns one node unit per 20 µs: 50,000 node
/// listings per second, about a tenth of a core (a listing costs a few µs), whatever the
/// node count. One node: up to 50,000 updates/s; 256 nodes: about 195.
pub const UPDATE_BUDGET_PER_NODE: Duration = Duration::from_micros(20);
/// Budget that may accumulate (5 ms), so bursts of small updates pass undelayed.
const UPDATE_BUDGET_BURST: f64 = 250.0;

/// Unix seconds rounded to milliseconds.
pub fn round_ms(wall: f64) -> f64 {
    (wall * 1000.0).round() / 1000.0
}

impl Engine {
    /// `mock_rate_hz` is the synthetic node's sample clock.
    pub fn new(
        mode: SourceMode,
        mock_rate_hz: f64,
        positions: NodePositions,
        now: Instant,
    ) -> Self {
        Engine {
            mode,
            mock_rate_hz,
            positions,
            started: now,
            nodes: BTreeMap::new(),
            tick: 0,
            latest: None,
            latest_edge_vitals: None,
            esp32_active: matches!(mode, SourceMode::Esp32 | SourceMode::Replay),
            last_sensing_data: None,
            counts: PacketCounts::default(),
            field_cache: FieldCache::default(),
            room: None,
            recorder: None,
            batch: None,
            deferred: None,
            budget: UPDATE_BUDGET_BURST,
            budget_at: now,
            replay_speed: None,
        }
    }

    /// The speed factor of the `--replay` feeding this engine, reported in [`Engine::feed`].
    pub fn set_replay_speed(&mut self, speed: f64) {
        self.replay_speed = Some(speed);
    }

    /// What feeds the engine now (docs/wire.md §3.3): `"mock"`, `"replay"` (with its speed),
    /// `"esp32"` once live datagrams drive it, else `"simulated"`.
    pub fn feed(&self) -> Feed {
        let source_kind = match self.mode {
            SourceMode::MockFrames => "mock",
            SourceMode::Replay => "replay",
            _ if self.esp32_active => "esp32",
            _ => "simulated",
        };
        Feed {
            source_kind,
            replay_speed: self
                .replay_speed
                .filter(|_| self.mode == SourceMode::Replay),
        }
    }

    /// Starts a batch: the datagrams a busy receiver found queued together. Within it each
    /// ESP32 sensing packet still gets its own `sensing_update` while the build budget
    /// allows (see [`UPDATE_BUDGET_PER_NODE`]); beyond it the packets only update their
    /// nodes and one update covering them is built when the budget has refilled
    /// ([`Engine::finish_batch`], [`Engine::deferred_due`]). Building an update is linear in
    /// the node count, so this keeps the per-datagram cost independent of it: with few nodes
    /// every datagram still gets its update (docs/wire.md §1.2), with 256 nodes at 5,000
    /// datagrams/s about 200 updates/s are built instead of 5,000.
    pub fn begin_batch(&mut self) {
        self.batch = Some(None);
    }

    /// Ends the batch: the update it still owes, if the budget allows it now; otherwise it is
    /// deferred until [`Engine::deferred_due`].
    pub fn finish_batch(&mut self, now: Instant, wall: f64) -> Option<Outgoing> {
        if let Some(trigger) = self.batch.take().flatten() {
            self.deferred = Some(trigger);
        }
        match self.deferred_due() {
            Some(due) if due <= now => self.flush_deferred(now, wall),
            _ => None,
        }
    }

    /// When the budget will cover the deferred update, if one is owed.
    pub fn deferred_due(&self) -> Option<Instant> {
        self.deferred?;
        let missing = (self.update_cost() - self.budget).max(0.0);
        Some(self.budget_at + UPDATE_BUDGET_PER_NODE.mul_f64(missing))
    }

    /// Builds the deferred update now (if one is owed).
    pub fn flush_deferred(&mut self, now: Instant, wall: f64) -> Option<Outgoing> {
        let trigger = self.deferred.take()?;
        self.refill_budget(now);
        self.budget -= self.update_cost();
        Some(self.build_update(trigger, now, wall))
    }

    /// The build cost of one update in budget units: the nodes it lists.
    fn update_cost(&self) -> f64 {
        self.nodes.len().max(1) as f64
    }

    fn refill_budget(&mut self, now: Instant) {
        let earned = now.saturating_duration_since(self.budget_at).as_secs_f64()
            / UPDATE_BUDGET_PER_NODE.as_secs_f64();
        let cap = UPDATE_BUDGET_BURST.max(self.update_cost());
        self.budget = (self.budget + earned).min(cap);
        self.budget_at = now;
    }

    /// The update a sensing packet of `node_id` causes: now (outside a batch, or within the
    /// budget), or once for the rest of the batch.
    fn update_after(&mut self, node_id: u8, now: Instant, wall: f64, out: &mut Vec<Outgoing>) {
        if self.batch.is_some() {
            self.refill_budget(now);
            if self.budget < self.update_cost() {
                self.batch = Some(Some(node_id));
                return;
            }
            self.budget -= self.update_cost();
            self.batch = Some(None);
        }
        out.push(self.build_update(node_id, now, wall));
    }

    /// Records an empty-room calibration, then counts with it.
    pub fn set_recorder(&mut self, recorder: CalibrationRecorder) {
        self.recorder = Some(recorder);
    }

    /// Takes presence and person count from an empty-room calibration from now on.
    pub fn set_room(&mut self, room: RoomOccupancy) {
        self.room = Some(room);
    }

    /// Whether updates come from ESP32 packets (and are re-broadcast) rather than ticks.
    pub fn esp32_active(&self) -> bool {
        self.esp32_active
    }

    /// Whether the synthetic source still drives the updates.
    pub fn synthetic_active(&self) -> bool {
        !self.esp32_active && self.mode != SourceMode::Esp32
    }

    pub fn tick(&self) -> u64 {
        self.tick
    }

    pub fn counts(&self) -> &PacketCounts {
        &self.counts
    }

    /// `"simulated"`, `"esp32"` or `"esp32:offline"` (3.8).
    pub fn effective_source(&self, now: Instant) -> &'static str {
        if !self.esp32_active {
            return "simulated";
        }
        let reference = self.last_sensing_data.unwrap_or(self.started);
        if now.saturating_duration_since(reference) >= OFFLINE_AFTER {
            "esp32:offline"
        } else {
            "esp32"
        }
    }

    /// Applies one decoded packet received at `now` and returns the messages it causes, in
    /// order. ESP32 frames are placed on their receive time since the engine started.
    pub fn ingest(
        &mut self,
        packet: Packet,
        origin: Origin,
        now: Instant,
        wall: f64,
    ) -> Vec<Outgoing> {
        let capture_s = now.saturating_duration_since(self.started).as_secs_f64();
        self.ingest_captured(packet, origin, now, wall, capture_s)
    }

    /// `ingest` of a packet captured at `capture_s` seconds (a replay's recorded time).
    pub fn ingest_captured(
        &mut self,
        packet: Packet,
        origin: Origin,
        now: Instant,
        wall: f64,
        capture_s: f64,
    ) -> Vec<Outgoing> {
        if origin == Origin::Synthetic && !self.synthetic_active() {
            return Vec::new();
        }
        if origin == Origin::Esp32 && !self.esp32_active {
            // `auto` switches for good on the first ESP32 datagram; the synthetic node goes.
            self.esp32_active = true;
            self.nodes.clear();
            self.latest = None;
        }
        *self.counts.by_kind.entry(kind_name(&packet)).or_insert(0) += 1;
        let per_packet_updates = origin == Origin::Esp32;
        let node_id = packet.node_id();
        let position = self
            .positions
            .get(&node_id)
            .copied()
            .unwrap_or(DEFAULT_POSITION);
        let clock = match origin {
            Origin::Synthetic => SampleClock::Fixed(self.mock_rate_hz),
            Origin::Esp32 => SampleClock::Measured,
        };
        let node = self
            .nodes
            .entry(node_id)
            .or_insert_with(|| NodeTracker::new(node_id, position, clock, now));
        node.touch(now);
        let mut out = Vec::new();
        match packet {
            Packet::RawCsi(raw) => {
                apply_raw_csi(node, &raw, now, capture_s);
                if let Some(room) = &mut self.room {
                    room.push(&raw, now, capture_s);
                }
                if let Some(done) = self.recorder.as_mut().and_then(|r| r.push(&raw, capture_s)) {
                    self.recorder = None;
                    match done {
                        Ok(room) => {
                            tracing::info!("empty-room calibration recorded; counting with it");
                            self.room = Some(room);
                        }
                        Err(error) => tracing::warn!("{error}"),
                    }
                }
                self.last_sensing_data = Some(now);
                if per_packet_updates {
                    self.update_after(node_id, now, wall, &mut out);
                }
            }
            Packet::EdgeVitals(vitals) => {
                let body = edge_vitals_from_packet(&vitals);
                self.apply_edge_vitals(&body, now);
                out.push(Outgoing::EdgeVitals(body));
                if per_packet_updates {
                    self.update_after(node_id, now, wall, &mut out);
                }
            }
            Packet::FeatureState(state) => {
                let body = edge_vitals_from_feature_state(&state);
                self.apply_edge_vitals(&body, now);
                out.push(Outgoing::EdgeVitals(body));
                if per_packet_updates {
                    self.update_after(node_id, now, wall, &mut out);
                }
            }
            Packet::FusedVitals(fused) => {
                let body = fused_vitals_from_packet(&fused);
                node.record_rssi(fused.rssi);
                node.set_edge(EdgeState {
                    presence: body.presence,
                    motion: body.motion,
                    n_persons: body.n_persons,
                    person_count_valid: body.person_count_valid,
                });
                self.last_sensing_data = Some(now);
                out.push(Outgoing::FusedVitals(body));
            }
            Packet::WasmOutput(wasm) => out.push(Outgoing::Wasm(wasm_event_from_packet(&wasm))),
            Packet::Sync(sync) => node.on_sync(sync_sample(&sync), now),
            Packet::FeatureVector(_) | Packet::CompressedCsi(_) => {}
        }
        out
    }

    fn apply_edge_vitals(&mut self, body: &EdgeVitals, now: Instant) {
        if let Some(node) = self.nodes.get_mut(&body.node_id) {
            if let Some(rssi) = body.rssi {
                node.record_rssi(rssi);
            }
            node.set_edge(EdgeState {
                presence: body.presence,
                motion: body.motion,
                n_persons: body.n_persons,
                person_count_valid: body.person_count_valid,
            });
        }
        self.latest_edge_vitals = Some(body.clone());
        self.last_sensing_data = Some(now);
    }

    /// A new update from the synthetic source (one per tick); `include_vitals` is set for
    /// `--mock-frames`, whose updates always carry `vital_signs`.
    pub fn synthetic_update(
        &mut self,
        node_id: u8,
        include_vitals: bool,
        now: Instant,
        wall: f64,
    ) -> Outgoing {
        let update = self.build_update(node_id, now, wall);
        match update {
            Outgoing::Sensing(mut sensing) if include_vitals && sensing.vital_signs.is_none() => {
                sensing.vital_signs = Some(NO_VITALS);
                if let Some(latest) = &mut self.latest {
                    latest.update.vital_signs = sensing.vital_signs;
                }
                Outgoing::Sensing(sensing)
            }
            other => other,
        }
    }

    fn visible_nodes(&self, now: Instant) -> impl Iterator<Item = &NodeTracker> {
        self.nodes
            .values()
            .filter(move |n| n.age(now) < HIDDEN_AFTER)
    }

    /// The node whose vitals estimate is best (highest signal quality).
    fn vitals_node(&self, now: Instant) -> Option<&NodeTracker> {
        self.visible_nodes(now)
            .filter_map(|n| n.vital_signs().map(|v| (n, v.signal_quality)))
            .fold(
                None,
                |best: Option<(&NodeTracker, f64)>, (n, q)| match best {
                    Some((_, best_q)) if best_q >= q => best,
                    _ => Some((n, q)),
                },
            )
            .map(|(n, _)| n)
    }

    fn build_update(&mut self, trigger: u8, now: Instant, wall: f64) -> Outgoing {
        self.tick += 1;
        // Borrow the node table alone, so the grid cache can be updated meanwhile.
        let nodes: Vec<&NodeTracker> = self
            .nodes
            .values()
            .filter(|n| n.age(now) < HIDDEN_AFTER)
            .collect();
        let trigger_node = self.nodes.get(&trigger);
        let (features, mut classification) = trigger_node
            .map(|n| (n.features(), n.classification()))
            .unwrap_or((Features::default(), Classification::default()));
        let mut estimated_persons: u32 =
            nodes.iter().map(|n| n.person_estimate()).max().unwrap_or(0);
        // Without a calibration the count above is a guess; with one, the field model's.
        let mut person_count_valid = false;
        if let Some(estimate) = self.room.as_mut().and_then(|room| room.estimate(now)) {
            if estimate.presence != classification.presence {
                let level = if estimate.presence {
                    MotionLevel::PresentStill
                } else {
                    MotionLevel::Absent
                };
                classification = Classification::new(level, classification.confidence);
            }
            if estimate.person_count_valid {
                estimated_persons = estimate.person_count;
                person_count_valid = true;
            } else {
                estimated_persons = estimated_persons.max(u32::from(estimate.presence));
            }
        }
        let blobs: Vec<Blob> = nodes
            .iter()
            .map(|n| Blob {
                position: n.position(),
                intensity: n.intensity(),
            })
            .collect();
        let signal_field = self.field_cache.field(&blobs);
        let update = SensingUpdate {
            kind: "sensing_update",
            timestamp: round_ms(wall),
            source: self.effective_source(now).to_string(),
            tick: self.tick,
            feed: Some(self.feed()),
            nodes: nodes.iter().map(|n| n.entry(now)).collect(),
            features,
            classification,
            signal_field,
            vital_signs: self.vitals_node(now).and_then(NodeTracker::vital_signs),
            estimated_persons: (estimated_persons > 0).then_some(estimated_persons),
            person_count_valid,
            node_features: (self.esp32_active && !nodes.is_empty())
                .then(|| nodes.iter().map(|n| n.node_features(now)).collect()),
        };
        self.latest = Some(Latest {
            update: update.clone(),
            built: now,
        });
        Outgoing::Sensing(Box::new(update))
    }

    /// The latest update again with `source` re-evaluated (3.7), or `None` before the first.
    pub fn rebroadcast(&self, now: Instant) -> Option<Outgoing> {
        let latest = self.latest.as_ref()?;
        let mut update = latest.update.clone();
        update.source = self.effective_source(now).to_string();
        update.feed = Some(self.feed());
        Some(Outgoing::Sensing(Box::new(update)))
    }

    /// Forgets nodes silent for 60 s.
    pub fn expire(&mut self, now: Instant) {
        self.nodes.retain(|_, node| node.age(now) < FORGOTTEN_AFTER);
    }

    /// The latest update with `source` re-evaluated, and its age.
    pub fn latest(&self, now: Instant) -> Option<(SensingUpdate, Duration)> {
        self.latest.as_ref().map(|latest| {
            let mut update = latest.update.clone();
            update.source = self.effective_source(now).to_string();
            (update, now.saturating_duration_since(latest.built))
        })
    }

    pub fn last_update_age(&self, now: Instant) -> Option<Duration> {
        self.latest
            .as_ref()
            .map(|l| now.saturating_duration_since(l.built))
    }

    pub fn last_sensing_data_age(&self, now: Instant) -> Option<Duration> {
        self.last_sensing_data
            .map(|t| now.saturating_duration_since(t))
    }

    pub fn latest_edge_vitals(&self) -> Option<&EdgeVitals> {
        self.latest_edge_vitals.as_ref()
    }

    /// Every node not yet forgotten, in id order.
    pub fn nodes(&self) -> impl Iterator<Item = &NodeTracker> {
        self.nodes.values()
    }

    /// The `vital_signs` object of `/api/v1/vital-signs` and the buffers behind it.
    pub fn vital_signs(&self, now: Instant) -> (VitalSigns, Option<BufferStatus>) {
        let node = self
            .vitals_node(now)
            .or_else(|| self.visible_nodes(now).find(|n| n.vitals().is_some()));
        let signs = node.and_then(NodeTracker::vital_signs).unwrap_or(NO_VITALS);
        let buffers = node
            .and_then(NodeTracker::vitals)
            .and_then(|v| v.buffer_status());
        (signs, buffers)
    }
}

fn apply_raw_csi(node: &mut NodeTracker, raw: &RawCsiPacket, now: Instant, capture_s: f64) {
    // The first antenna's bins: the feature path works on one stream.
    let (amplitudes, phases) = first_antenna_polar(&raw.iq, raw.n_subcarriers, IqOrder::default());
    node.on_raw_frame(
        RawFrame {
            rssi: raw.rssi,
            layout: (raw.n_subcarriers, raw.ppdu_type),
            amplitudes: &amplitudes,
            phases: &phases,
        },
        now,
        capture_s,
    );
}

/// `edge_vitals` of a vitals packet (3.4).
pub fn edge_vitals_from_packet(p: &EdgeVitalsPacket) -> EdgeVitals {
    let (n_persons, person_count_valid) = consistent_person_count(p.presence(), p.n_persons);
    EdgeVitals {
        node_id: p.node_id,
        presence: p.presence(),
        fall_detected: p.fall_detected(),
        motion: p.motion(),
        breathing_rate_bpm: nonzero_rate(p.breathing_rate_bpm()).into(),
        heartrate_bpm: nonzero_rate(p.heartrate_bpm()).into(),
        n_persons,
        motion_energy: f64::from(p.motion_energy),
        presence_score: f64::from(p.presence_score),
        rssi: Some(p.rssi),
        person_count_valid,
        timestamp_ms: p.timestamp_ms,
    }
}

/// `edge_vitals` of a feature-state packet (the mapping table of 1.8).
pub fn edge_vitals_from_feature_state(p: &FeatureStatePacket) -> EdgeVitals {
    let flag = |bit: u16| p.quality_flags & (1 << bit) != 0;
    let presence = flag(0) && p.presence_score > 0.5;
    let valid_rate = |bit: u16, bpm: f32| (flag(bit) && bpm > 0.0).then_some(f64::from(bpm));
    // Truncating µs → ms and wrapping at 2³² is the mapping the spec defines.
    let timestamp_ms = ((p.timestamp_us / 1000) % (1u64 << 32)) as u32;
    EdgeVitals {
        node_id: p.node_id,
        presence,
        fall_detected: false,
        motion: p.motion_score > 0.05,
        breathing_rate_bpm: valid_rate(1, p.respiration_bpm).into(),
        heartrate_bpm: valid_rate(2, p.heartbeat_bpm).into(),
        n_persons: u8::from(presence),
        motion_energy: f64::from(p.motion_score),
        presence_score: f64::from(p.presence_score),
        rssi: (p.rssi != 0).then_some(p.rssi),
        person_count_valid: true,
        timestamp_ms,
    }
}

/// `edge_fused_vitals` of a fused-vitals packet (3.5).
pub fn fused_vitals_from_packet(p: &FusedVitalsPacket) -> FusedVitals {
    let (n_persons, person_count_valid) = consistent_person_count(p.presence(), p.n_persons);
    FusedVitals {
        node_id: p.node_id,
        breathing_rate_bpm: nonzero_rate(p.breathing_rate_bpm()).into(),
        heartrate_bpm: nonzero_rate(p.heartrate_bpm()).into(),
        n_persons,
        person_count_valid,
        fusion_confidence: p.fusion_confidence,
        mmwave: MmwaveReading {
            hr_bpm: f64::from(p.mmwave_hr_bpm).into(),
            br_bpm: f64::from(p.mmwave_br_bpm).into(),
            distance_cm: f64::from(p.mmwave_distance_cm),
            targets: p.mmwave_targets,
            confidence: p.mmwave_confidence,
            sensor_type: p.mmwave_type,
        },
        motion_energy: f64::from(p.motion_energy),
        presence_score: f64::from(p.presence_score),
        timestamp_ms: p.timestamp_ms,
        presence: p.presence(),
        fall_detected: p.fall_detected(),
        motion: p.motion(),
        mmwave_present: p.mmwave_present(),
        rssi: p.rssi,
    }
}

fn wasm_event_from_packet(p: &WasmOutputPacket) -> WasmEvent {
    WasmEvent {
        node_id: p.node_id,
        module_id: p.module_id,
        events: p
            .events
            .iter()
            .map(|e| WasmEventEntry {
                event_type: e.event_type,
                value: f64::from(e.value),
            })
            .collect(),
    }
}

fn sync_sample(p: &SyncPacket) -> SyncSample {
    SyncSample {
        offset_us: p.offset_us(),
        is_leader: p.leader(),
        is_valid: p.valid(),
        smoothed: p.smoothed(),
        sequence: p.sequence,
        local_us: p.local_us,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};
    use wifi_densepose_wire::{parse_packet, WirePacket};

    const V2: &str = "02 00 11 c5 01 05 0e 06 80 fc 0a 00 d3 01 00 00 00 00 80 3e 66 66 66 3f 40 e2 01 00 00 00 00 00";
    const V4: &str = "04 00 11 c5 01 0d 59 06 c8 73 0a 00 cc 01 02 57 00 00 00 3e 00 00 40 3f 88 13 00 00 00 00 88 42 00 00 80 41 00 80 0e 43 01 5a 00 00 00 00 00 00";
    const V7: &str = "06 00 11 c5 01 00 64 00 40 42 0f 00 00 00 00 00 00 00 80 3e 00 00 60 3f 00 00 70 41 00 00 40 3f 00 00 84 42 00 00 00 3f 00 00 00 00 00 00 00 3e 00 00 80 3f 07 00 00 00 b3 22 01 43";
    const V8: &str = "07 00 11 c5 01 02 02 00 01 00 00 00 3f 03 00 00 80 bf";
    const V9: &str = "10 a1 11 c5 01 02 06 40 80 96 98 00 00 00 00 00 a4 90 98 00 00 00 00 00 92 10 00 00 01 00 2d 14 aa bb cc dd ee 01";
    const V5: &str = "03 00 11 c5 02 00 d9 14 d2 02 96 49 00 00 00 00 00 00 00 3f 00 00 80 3e 00 00 00 3f 00 00 20 3f 00 00 00 3e 00 00 80 3e 00 00 00 00 00 00 40 3f";

    fn packet(hex: &str) -> Packet {
        let bytes: Vec<u8> = hex
            .split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect();
        parse_packet(&bytes).unwrap()
    }

    fn raw(node_id: u8, n_subcarriers: u16, rssi: i8, value: u8) -> Packet {
        Packet::RawCsi(RawCsiPacket {
            node_id,
            n_antennas: 1,
            n_subcarriers,
            frequency_mhz: 2437,
            sequence: 0,
            rssi,
            noise_floor: -90,
            ppdu_type: 0,
            flags: 0,
            iq: vec![value; 2 * usize::from(n_subcarriers)],
            trailing_bytes: 0,
        })
    }

    fn json_of(message: &Outgoing) -> Value {
        serde_json::from_str(&message.to_json()).unwrap()
    }

    fn esp32_engine(now: Instant) -> Engine {
        Engine::new(SourceMode::Esp32, 20.0, NodePositions::new(), now)
    }

    #[test]
    fn a_batch_owes_one_update_listing_every_node() {
        let now = Instant::now();
        let mut engine = esp32_engine(now);
        engine.begin_batch();
        // The budget starts at 250 node units: the first update lists 1 node, the second 2,
        // ... until the 22nd (1+2+...+21 = 231 units spent, 22 more do not fit).
        let mut own_updates = 0;
        for node in 1..=200u8 {
            own_updates += engine
                .ingest(raw(node, 56, -50, 9), Origin::Esp32, now, 1000.0)
                .len();
        }
        assert_eq!(own_updates, 21);
        // An edge-vitals datagram still yields its own message at once.
        let out = engine.ingest(packet(V2), Origin::Esp32, now, 1000.0);
        assert_eq!(out.len(), 1);
        // The rest of the batch owes one update of 200 nodes: due when 200 - 19 units have
        // been earned, 181 x 20 us later.
        assert!(engine.finish_batch(now, 1000.0).is_none());
        let due = engine.deferred_due().unwrap();
        assert_eq!(due - now, Duration::from_micros(181 * 20));
        let update = json_of(&engine.flush_deferred(due, 1000.0).unwrap());
        assert_eq!(update["tick"], 22);
        assert_eq!(update["nodes"].as_array().unwrap().len(), 200);
        assert!(engine.deferred_due().is_none());
        // Outside a batch every sensing datagram gets its own update.
        assert_eq!(
            engine
                .ingest(raw(7, 56, -50, 9), Origin::Esp32, due, 1000.0)
                .len(),
            1
        );
        assert_eq!(engine.tick(), 23);
    }

    #[test]
    fn edge_vitals_v2_then_a_sensing_update() {
        let now = Instant::now();
        let mut engine = esp32_engine(now);
        let out = engine.ingest(packet(V2), Origin::Esp32, now, 1000.0);
        assert_eq!(out.len(), 2);
        assert_eq!(
            json_of(&out[0]),
            json!({"type":"edge_vitals","node_id":1,"presence":true,"fall_detected":false,"motion":true,
                   "breathing_rate_bpm":15.5,"heartrate_bpm":72.0,"n_persons":1,"motion_energy":0.25,
                   "presence_score":0.8999999761581421,"rssi":-45,"person_count_valid":true,"timestamp_ms":123456})
        );
        let update = json_of(&out[1]);
        assert_eq!(update["type"], "sensing_update");
        assert_eq!(update["tick"], 1);
        assert_eq!(update["source"], "esp32");
        assert_eq!(update["nodes"][0]["rssi_dbm"], -45.0);
        assert_eq!(update["nodes"][0]["amplitude"], json!([]));
        assert_eq!(update["classification"]["motion_level"], "present_moving");
        assert_eq!(update["estimated_persons"], 1);
        assert_eq!(
            engine
                .latest_edge_vitals()
                .and_then(|v| v.heartrate_bpm.get()),
            Some(Some(72.0))
        );
    }

    #[test]
    fn presence_clear_with_persons_marks_the_count_invalid() {
        // Line 18 of the reference excerpt: flags 4, n_persons 4, BR 22.42, HR 85, RSSI -19.
        let vitals = EdgeVitalsPacket {
            node_id: 2,
            flags: 4,
            breathing_rate: 2242,
            heartrate: 850_000,
            rssi: -19,
            n_persons: 4,
            motion_energy: 4.856_17,
            presence_score: 4.856_17,
            timestamp_ms: 0,
            trailing_bytes: 0,
        };
        let body = edge_vitals_from_packet(&vitals);
        assert!(!body.presence && body.motion);
        assert_eq!(
            (body.n_persons, body.person_count_valid, body.rssi),
            (0, false, Some(-19))
        );
        assert_eq!(
            (body.breathing_rate_bpm.get(), body.heartrate_bpm.get()),
            (Some(Some(22.42)), Some(Some(85.0)))
        );
        let zero = EdgeVitalsPacket {
            breathing_rate: 0,
            heartrate: 0,
            ..vitals
        };
        assert_eq!(
            json_of(&Outgoing::EdgeVitals(edge_vitals_from_packet(&zero)))["heartrate_bpm"],
            Value::Null
        );
    }

    #[test]
    fn feature_state_v7_maps_to_edge_vitals() {
        let Packet::FeatureState(state) = packet(V7) else {
            panic!("V7")
        };
        let value = json_of(&Outgoing::EdgeVitals(edge_vitals_from_feature_state(
            &state,
        )));
        assert_eq!(
            value,
            json!({"type":"edge_vitals","node_id":1,"presence":true,"fall_detected":false,"motion":true,
                   "breathing_rate_bpm":15.0,"heartrate_bpm":66.0,"n_persons":1,"motion_energy":0.25,
                   "presence_score":0.875,"person_count_valid":true,"timestamp_ms":1000})
        );
        let unflagged = FeatureStatePacket {
            quality_flags: 0x0001,
            rssi: -50,
            ..state
        };
        let body = edge_vitals_from_feature_state(&unflagged);
        assert_eq!(
            (
                body.breathing_rate_bpm.get(),
                body.heartrate_bpm.get(),
                body.rssi
            ),
            (Some(None), Some(None), Some(-50))
        );
    }

    #[test]
    fn fused_v4_is_broadcast_alone_with_the_spec_shape() {
        let now = Instant::now();
        let mut engine = esp32_engine(now);
        let out = engine.ingest(packet(V4), Origin::Esp32, now, 1000.0);
        assert_eq!(out.len(), 1);
        assert_eq!(
            json_of(&out[0]),
            json!({"type":"edge_fused_vitals","node_id":1,"breathing_rate_bpm":16.25,"heartrate_bpm":68.5,
                   "n_persons":1,"person_count_valid":true,"fusion_confidence":87,
                   "mmwave":{"hr_bpm":68.0,"br_bpm":16.0,"distance_cm":142.5,"targets":1,"confidence":90,"type":2},
                   "motion_energy":0.125,"presence_score":0.75,"timestamp_ms":5000,
                   "presence":true,"fall_detected":false,"motion":true,"mmwave_present":true,"rssi":-52})
        );
        assert_eq!(engine.tick(), 0);
    }

    #[test]
    fn wasm_v8_feature_vector_and_sync() {
        let now = Instant::now();
        let mut engine = esp32_engine(now);
        let out = engine.ingest(packet(V8), Origin::Esp32, now, 0.0);
        assert_eq!(
            json_of(&out[0]),
            json!({"type":"wasm_event","node_id":1,"module_id":2,
                   "events":[{"event_type":1,"value":0.5},{"event_type":3,"value":-1.0}]})
        );
        assert!(engine
            .ingest(packet(V5), Origin::Esp32, now, 0.0)
            .is_empty());
        assert!(engine
            .ingest(packet(V9), Origin::Esp32, now, 0.0)
            .is_empty());
        let counts = &engine.counts().by_kind;
        assert_eq!(
            (
                counts["wasm_output"],
                counts["feature_vector"],
                counts["sync"]
            ),
            (1, 1, 1)
        );
        let node = engine.nodes().find(|n| n.node_id() == 1).unwrap();
        let sync = node.entry(now).sync.unwrap();
        assert_eq!(
            (sync.offset_us, sync.is_leader, sync.is_valid, sync.smoothed),
            (1500, false, true, true)
        );
        assert_eq!(sync.sequence, 4242);
        // Sync and feature vectors are not sensing data: the source stays offline-eligible.
        assert_eq!(engine.last_sensing_data_age(now), None);
    }

    #[test]
    fn raw_csi_updates_and_staleness_of_the_source() {
        let start = Instant::now();
        let mut engine = esp32_engine(start);
        let out = engine.ingest(
            raw(3, 64, 40, 3),
            Origin::Esp32,
            start,
            1_775_182_186.957_775_8,
        );
        let update = json_of(&out[0]);
        assert_eq!(update["timestamp"], 1_775_182_186.958);
        assert_eq!(update["nodes"][0]["subcarrier_count"], 64);
        // Bytes (3, 3): amplitude √18 = 4.2426…, sent with two decimals; 56 of the 64 bins
        // are sent; a positive RSSI is negated.
        assert_eq!(
            update["nodes"][0]["amplitude"].as_array().unwrap().len(),
            56
        );
        assert_eq!(update["nodes"][0]["amplitude"][0], 4.24);
        assert_eq!(update["nodes"][0]["rssi_dbm"], -40.0);
        assert_eq!(update["nodes"][0]["position"], json!([2.0, 0.0, 1.5]));
        assert_eq!(
            update["signal_field"]["values"].as_array().unwrap().len(),
            400
        );
        assert_eq!(update["node_features"][0]["node_id"], 3);
        let later = start + OFFLINE_AFTER;
        let Some(Outgoing::Sensing(again)) = engine.rebroadcast(later) else {
            panic!("rebroadcast")
        };
        assert_eq!((again.tick, again.source.as_str()), (1, "esp32:offline"));
        assert_eq!(
            engine.effective_source(start + Duration::from_millis(4999)),
            "esp32"
        );
        let (latest, age) = engine.latest(later).unwrap();
        assert_eq!(
            (latest.source.as_str(), age),
            ("esp32:offline", OFFLINE_AFTER)
        );
    }

    #[test]
    fn nodes_hide_after_10_s_and_are_forgotten_after_60_s() {
        let start = Instant::now();
        let mut engine = esp32_engine(start);
        engine.ingest(raw(1, 64, -50, 2), Origin::Esp32, start, 0.0);
        let out = engine.ingest(raw(2, 64, -50, 2), Origin::Esp32, start + HIDDEN_AFTER, 0.0);
        let update = json_of(&out[0]);
        assert_eq!(update["nodes"].as_array().unwrap().len(), 1);
        assert_eq!(update["nodes"][0]["node_id"], 2);
        engine.expire(start + FORGOTTEN_AFTER);
        assert_eq!(
            engine.nodes().map(NodeTracker::node_id).collect::<Vec<_>>(),
            vec![2]
        );
    }

    #[test]
    fn auto_switches_from_synthetic_to_esp32_for_good() {
        let start = Instant::now();
        let mut engine = Engine::new(SourceMode::Auto, 20.0, NodePositions::new(), start);
        assert!(engine.synthetic_active());
        assert!(engine
            .ingest(raw(1, 56, -40, 9), Origin::Synthetic, start, 0.0)
            .is_empty());
        let Outgoing::Sensing(simulated) = engine.synthetic_update(1, false, start, 0.0) else {
            panic!()
        };
        assert_eq!(
            (simulated.source.as_str(), simulated.tick),
            ("simulated", 1)
        );
        assert!(simulated.vital_signs.is_none());
        assert_eq!(
            json_of(&Outgoing::Sensing(simulated))["source_kind"],
            "simulated"
        );
        let out = engine.ingest(raw(5, 64, -60, 1), Origin::Esp32, start, 0.0);
        let update = json_of(&out[0]);
        assert_eq!(update["source"], "esp32");
        assert_eq!(update["source_kind"], "esp32");
        assert!(update.get("replay_speed").is_none());
        assert_eq!(update["nodes"].as_array().unwrap().len(), 1);
        assert_eq!(update["nodes"][0]["node_id"], 5);
        assert!(!engine.synthetic_active());
        assert!(engine
            .ingest(raw(1, 56, -40, 9), Origin::Synthetic, start, 0.0)
            .is_empty());
    }

    #[test]
    fn mock_updates_always_carry_vital_signs() {
        let start = Instant::now();
        let mut engine = Engine::new(SourceMode::MockFrames, 20.0, NodePositions::new(), start);
        engine.ingest(raw(1, 56, -40, 9), Origin::Synthetic, start, 0.0);
        let update = json_of(&engine.synthetic_update(1, true, start, 0.0));
        assert_eq!(update["vital_signs"]["breathing_rate_bpm"], Value::Null);
        assert_eq!(update["vital_signs"]["heart_rate_bpm"], Value::Null);
        assert!(update.get("node_features").is_none());
        assert_eq!(update["source_kind"], "mock");
    }

    #[test]
    fn a_replay_says_so_with_its_speed() {
        let start = Instant::now();
        let mut engine = Engine::new(SourceMode::Replay, 20.0, NodePositions::new(), start);
        engine.set_replay_speed(4.0);
        let out = engine.ingest(raw(5, 64, -60, 1), Origin::Esp32, start, 0.0);
        let update = json_of(&out[0]);
        // `source` alone cannot tell a replay from live datagrams; `source_kind` can.
        assert_eq!(update["source"], "esp32");
        assert_eq!(update["source_kind"], "replay");
        assert_eq!(update["replay_speed"], 4.0);
        let rebroadcast = json_of(&engine.rebroadcast(start).unwrap());
        assert_eq!(rebroadcast["source_kind"], "replay");
        let mut live = Engine::new(SourceMode::Esp32, 20.0, NodePositions::new(), start);
        live.set_replay_speed(4.0);
        assert_eq!(live.feed().replay_speed, None);
    }

    #[test]
    fn encoded_packets_round_trip_through_the_engine() {
        let now = Instant::now();
        let mut engine = esp32_engine(now);
        let Packet::RawCsi(frame) = raw(9, 4, -30, 5) else {
            panic!()
        };
        let bytes = frame.encode().unwrap();
        let out = engine.ingest(parse_packet(&bytes).unwrap(), Origin::Esp32, now, 0.0);
        assert_eq!(json_of(&out[0])["nodes"][0]["node_id"], 9);
    }
}
