//! The synthetic node of `--source simulate` and `--mock-frames` (docs/wire.md §3.7).
//!
//! It builds real raw-CSI datagrams with the wire crate and feeds them through the same
//! parse-and-ingest path as UDP. Bin k of frame i (time t = i / rate) has amplitude
//! 15 + 5·sin(0.1k) + B·sin(2π·f_b·t) + H·sin(2π·f_h·t) + noise and phase 0.2k, quantised
//! to the i8 I/Q pairs of a real frame; `--mock-frames` sets B and H (the breathing and
//! heartbeat modulation), `simulate` leaves them at 0. Frames follow the CSI sample clock;
//! `--mock-speed` emits them faster than real time so the vitals history fills sooner.
//!
//! `--mock-people N` replaces the single node by a simulated room
//! (`wifi_densepose_sensing::sim`): four wall nodes whose six links are sent as nodes 1–6,
//! N people sitting still and breathing, int8 CSI with ESP32-like irregular timing.

use std::f64::consts::PI;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wifi_densepose_sensing::{Scenario, Simulation};
use wifi_densepose_wire::{EdgeVitalsPacket, RawCsiPacket, WirePacket};

use crate::config::cli::MockSettings;
use crate::sensing::engine::Origin;
use crate::sensing::mode::SourceMode;
use crate::state::{wait_for_shutdown, wall_clock, AppState};

pub const MOCK_NODE_ID: u8 = 1;
pub const MOCK_SUBCARRIERS: u16 = 56;
const BASE_AMPLITUDE: f64 = 15.0;
const SHAPE_AMPLITUDE: f64 = 5.0;
/// Breathing modulation of every bin's amplitude (`--mock-frames`).
const BREATHING_DEPTH: f64 = 2.0;
/// Heartbeat modulation: 0.15 of the breathing depth, as in the DSP test signal.
const HEARTBEAT_DEPTH: f64 = 0.3;
/// Per-bin white noise (also dithers the i8 quantisation).
const NOISE_STD: f64 = 0.3;
const MOCK_RSSI_DBM: f64 = -40.0;
/// Frames emitted per tick at most, so a stalled runtime cannot cause a burst without end.
const MAX_FRAMES_PER_TICK: u64 = 10_000;
const EDGE_VITALS_EVERY: Duration = Duration::from_secs(1);

/// Deterministic noise (SplitMix64 and Box–Muller), so runs are reproducible.
#[derive(Debug, Clone)]
pub struct Noise {
    state: u64,
}

impl Noise {
    pub fn new(seed: u64) -> Self {
        Noise { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }

    /// Standard normal.
    pub fn gaussian(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
    }
}

/// Generator of the synthetic node's frames.
#[derive(Debug, Clone)]
pub struct MockNode {
    rate_hz: f64,
    breathing_hz: f64,
    heart_hz: f64,
    breathing_depth: f64,
    heartbeat_depth: f64,
    sequence: u32,
    noise: Noise,
}

impl MockNode {
    /// `with_vitals = false` is the plain simulator (no modulation).
    pub fn new(settings: MockSettings, rate_hz: f64, with_vitals: bool) -> Self {
        MockNode {
            rate_hz,
            breathing_hz: settings.breathing_bpm / 60.0,
            heart_hz: settings.heart_bpm / 60.0,
            breathing_depth: if with_vitals { BREATHING_DEPTH } else { 0.0 },
            heartbeat_depth: if with_vitals { HEARTBEAT_DEPTH } else { 0.0 },
            sequence: 0,
            noise: Noise::new(0x5EED_0001),
        }
    }

    /// The next frame's amplitudes (before quantisation).
    pub fn amplitudes(&mut self) -> Vec<f64> {
        let t = f64::from(self.sequence) / self.rate_hz;
        let modulation = self.breathing_depth * (2.0 * PI * self.breathing_hz * t).sin()
            + self.heartbeat_depth * (2.0 * PI * self.heart_hz * t).sin();
        (0..MOCK_SUBCARRIERS)
            .map(|k| {
                let shape = SHAPE_AMPLITUDE * (0.1 * f64::from(k)).sin();
                (BASE_AMPLITUDE + shape + modulation + NOISE_STD * self.noise.gaussian()).max(0.0)
            })
            .collect()
    }

    /// The next raw CSI datagram.
    pub fn next_frame(&mut self) -> Vec<u8> {
        let amplitudes = self.amplitudes();
        let mut iq = Vec::with_capacity(2 * amplitudes.len());
        for (k, amplitude) in amplitudes.iter().enumerate() {
            let phase = 0.2 * k as f64;
            // Saturating float-to-int casts keep every value inside the i8 range.
            iq.push((amplitude * phase.cos()).round() as i8 as u8);
            iq.push((amplitude * phase.sin()).round() as i8 as u8);
        }
        let rssi = (MOCK_RSSI_DBM + self.noise.gaussian()).round() as i8;
        let packet = RawCsiPacket {
            node_id: MOCK_NODE_ID,
            n_antennas: 1,
            n_subcarriers: MOCK_SUBCARRIERS,
            frequency_mhz: 2437,
            sequence: self.sequence,
            rssi,
            noise_floor: -92,
            ppdu_type: 0,
            flags: 0,
            iq,
            trailing_bytes: 0,
        };
        self.sequence = self.sequence.wrapping_add(1);
        packet.encode().unwrap_or_default()
    }
}

/// The deterministic edge-vitals datagram of `--mock-frames` (docs/wire.md §3.7).
pub fn edge_vitals_datagram(settings: MockSettings, timestamp_ms: u32) -> Vec<u8> {
    let packet = EdgeVitalsPacket {
        node_id: MOCK_NODE_ID,
        flags: 0x01,
        breathing_rate: (settings.breathing_bpm * 100.0).round() as u16,
        heartrate: (settings.heart_bpm * 10_000.0).round() as u32,
        rssi: MOCK_RSSI_DBM as i8,
        n_persons: 1,
        motion_energy: 0.05,
        presence_score: 0.9,
        timestamp_ms,
        trailing_bytes: 0,
    };
    packet.encode().unwrap_or_default()
}

/// Raw CSI datagrams of every link's frames in `recording` with their capture times, in
/// time order (link `l` is node `l + 1`); `sequences` numbers each node's frames.
pub fn room_datagrams(
    recording: &[wifi_densepose_sensing::LinkRecording],
    sequences: &mut [u32],
) -> Vec<(f64, Vec<u8>)> {
    let mut frames: Vec<(f64, usize, usize)> = recording
        .iter()
        .enumerate()
        .flat_map(|(l, r)| {
            r.timestamps_s
                .iter()
                .enumerate()
                .map(move |(i, t)| (*t, l, i))
        })
        .collect();
    frames.sort_by(|a, b| a.0.total_cmp(&b.0));
    frames
        .into_iter()
        .filter_map(|(t, l, i)| {
            let r = &recording[l];
            let width = r.iq.len() / r.timestamps_s.len().max(1);
            let packet = RawCsiPacket {
                node_id: u8::try_from(l + 1).ok()?,
                n_antennas: 1,
                n_subcarriers: u16::try_from(width / 2).ok()?,
                frequency_mhz: 2437,
                sequence: sequences[l],
                rssi: MOCK_RSSI_DBM as i8,
                noise_floor: -92,
                ppdu_type: 0,
                flags: 0,
                iq: r.iq[i * width..(i + 1) * width]
                    .iter()
                    .map(|v| *v as u8)
                    .collect(),
                trailing_bytes: 0,
            };
            sequences[l] = sequences[l].wrapping_add(1);
            packet.encode().ok().map(|d| (t, d))
        })
        .collect()
}

/// The simulated room of `--mock-people`, `--mock-speed` times faster than real time: each
/// frame is sent at its own (scaled) capture time, and an update is published every tick.
async fn run_room(state: Arc<AppState>, people: usize, room_seed: u64) {
    let speed = state.config.mock.speed;
    let tick = Duration::from_millis(state.config.tick_ms);
    let mut sim = Simulation::new(Scenario::room_with_people(
        0,
        people,
        room_seed,
        room_seed ^ 0x5EED,
    ));
    let mut sequences = vec![0u32; sim.links().len()];
    let started = tokio::time::Instant::now();
    let mut next_update = started;
    let shutdown = wait_for_shutdown(state.shutdown_signal());
    tokio::pin!(shutdown);
    for second in 0u64.. {
        // One simulated second at a time; its frames in time order.
        let recording = sim.record(second as f64, 1.0);
        for (t, datagram) in room_datagrams(&recording, &mut sequences) {
            let due = started + Duration::from_secs_f64(t / speed);
            while next_update <= due {
                tokio::select! {
                    () = tokio::time::sleep_until(next_update) => {}
                    () = &mut shutdown => return,
                }
                if !state.engine().synthetic_active() {
                    return;
                }
                let update = state.engine().synthetic_update(
                    MOCK_NODE_ID,
                    false,
                    Instant::now(),
                    wall_clock(),
                );
                state.publish_new(MOCK_NODE_ID, vec![update]);
                next_update += tick;
            }
            tokio::select! {
                () = tokio::time::sleep_until(due) => {}
                () = &mut shutdown => return,
            }
            state.ingest_datagram(&datagram, None, Origin::Synthetic, Some(t));
        }
    }
}

/// Drives the synthetic source until shutdown or until `auto` switches to ESP32.
pub async fn run(state: Arc<AppState>) {
    if let Some((people, room_seed)) = state.config.mock_room {
        return run_room(state, people, room_seed).await;
    }
    let with_vitals = state.config.mode == SourceMode::MockFrames;
    let settings = state.config.mock;
    let speed = if with_vitals { settings.speed } else { 1.0 };
    let emit_rate = settings.rate_hz * speed;
    let mut node = MockNode::new(settings, settings.rate_hz, with_vitals);
    let started = Instant::now();
    let mut frames_sent = 0u64;
    let mut next_edge_vitals = started;
    let mut ticks = state.ticks();
    while ticks.next().await {
        if !state.engine().synthetic_active() {
            return;
        }
        let now = Instant::now();
        let due = (now.duration_since(started).as_secs_f64() * emit_rate) as u64;
        let mut emitted = 0;
        while frames_sent < due && emitted < MAX_FRAMES_PER_TICK {
            state.ingest_datagram(&node.next_frame(), None, Origin::Synthetic, None);
            frames_sent += 1;
            emitted += 1;
        }
        if with_vitals && now >= next_edge_vitals {
            let timestamp_ms =
                u32::try_from(now.duration_since(started).as_millis()).unwrap_or(u32::MAX);
            state.ingest_datagram(
                &edge_vitals_datagram(settings, timestamp_ms),
                None,
                Origin::Synthetic,
                None,
            );
            next_edge_vitals += EDGE_VITALS_EVERY;
        }
        let update = state.engine().synthetic_update(
            MOCK_NODE_ID,
            with_vitals,
            Instant::now(),
            wall_clock(),
        );
        state.publish_new(MOCK_NODE_ID, vec![update]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wifi_densepose_wire::{parse_packet, Packet};

    fn settings() -> MockSettings {
        MockSettings {
            breathing_bpm: 15.0,
            heart_bpm: 72.0,
            speed: 1.0,
            rate_hz: 20.0,
        }
    }

    #[test]
    fn noise_is_deterministic_and_roughly_standard() {
        let mut a = Noise::new(7);
        let mut b = Noise::new(7);
        let xs: Vec<f64> = (0..20_000).map(|_| a.gaussian()).collect();
        assert!(xs
            .iter()
            .zip((0..20_000).map(|_| b.gaussian()))
            .all(|(x, y)| *x == y));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / xs.len() as f64;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "mean {mean} var {var}"
        );
    }

    #[test]
    fn frames_are_valid_raw_csi_with_sequence_numbers() {
        let mut node = MockNode::new(settings(), 20.0, true);
        for expected_sequence in 0..3 {
            let Ok(Packet::RawCsi(raw)) = parse_packet(&node.next_frame()) else {
                panic!("not raw CSI")
            };
            assert_eq!(
                (raw.node_id, raw.n_subcarriers, raw.sequence),
                (1, 56, expected_sequence)
            );
            assert!((-43..=-37).contains(&raw.rssi));
            let mean = raw.amplitude().iter().sum::<f64>() / 56.0;
            assert!((12.0..20.0).contains(&mean), "mean amplitude {mean}");
        }
    }

    fn mean_amplitudes(node: &mut MockNode, frames: usize) -> Vec<f64> {
        (0..frames)
            .map(|_| match parse_packet(&node.next_frame()) {
                Ok(Packet::RawCsi(raw)) => raw.amplitude().iter().sum::<f64>() / 56.0,
                other => panic!("not raw CSI: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn modulation_follows_the_breathing_rate() {
        // At 15 BPM a quarter period is 1 s = 20 frames at 20 Hz: the mean amplitude peaks
        // there, 2.0 (breathing) + 0.3·sin(2π·1.2) (heart) above frame 0.
        let means = mean_amplitudes(&mut MockNode::new(settings(), 20.0, true), 41);
        assert!(means[20] - means[0] > 1.9, "{} vs {}", means[20], means[0]);
        assert!(means[40] - means[0] < 0.6, "{} vs {}", means[40], means[0]);
        let flat = mean_amplitudes(&mut MockNode::new(settings(), 20.0, false), 41);
        assert!((flat[20] - flat[0]).abs() < 0.3);
    }

    #[test]
    fn room_datagrams_carry_the_simulated_iq_in_time_order() {
        let mut sim = Simulation::new(Scenario::room_with_people(0, 1, 2, 3));
        let recording = sim.record(0.0, 1.0);
        let mut sequences = vec![0u32; 6];
        let datagrams = room_datagrams(&recording, &mut sequences);
        let total: usize = recording.iter().map(|r| r.timestamps_s.len()).sum();
        assert_eq!(datagrams.len(), total);
        let mut seen = [0usize; 6];
        assert!(datagrams.windows(2).all(|w| w[0].0 <= w[1].0));
        for (t, d) in &datagrams {
            let Ok(Packet::RawCsi(raw)) = parse_packet(d) else {
                panic!("not raw CSI")
            };
            let l = usize::from(raw.node_id) - 1;
            let amps = raw.amplitude();
            let want = &recording[l].amplitudes[seen[l] * 56..(seen[l] + 1) * 56];
            assert_eq!(raw.sequence as usize, seen[l]);
            assert_eq!(*t, recording[l].timestamps_s[seen[l]]);
            assert!(amps.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-9));
            seen[l] += 1;
        }
        assert_eq!(sequences.iter().map(|s| *s as usize).sum::<usize>(), total);
    }

    #[test]
    fn edge_vitals_datagram_matches_the_spec_values() {
        let Ok(Packet::EdgeVitals(v)) = parse_packet(&edge_vitals_datagram(settings(), 1234))
        else {
            panic!("not edge vitals")
        };
        assert!(v.presence() && !v.motion() && !v.fall_detected());
        assert_eq!((v.breathing_rate_bpm(), v.heartrate_bpm()), (15.0, 72.0));
        assert_eq!((v.n_persons, v.rssi, v.timestamp_ms), (1, -40, 1234));
    }
}
