//! A room simulator for tests, demonstrations and the server's mock source: nodes on the
//! walls of a rectangular room, every unordered node pair a link, people walking (random
//! waypoints) or sitting still and breathing, int8-quantised CSI with irregular frame timing.
//!
//! **Channel.** For link (i, j) of length `d` and subcarrier frequency `f_k` (2437 MHz ±
//! 28 × 312.5 kHz),
//! `H_k = g [a_LOS e^{−j2πf_k d/c} + Σ_m a_m e^{−j2πf_k (d + e_m)/c} + Σ_p b_p e^{−j2πf_k (d1_p + d2_p)/c}]` with `a_LOS = s/d`, six fixed reflectors per link
//! (amplitudes 0.1–0.5 of LOS, excess paths 1–10 m, drawn from the room seed), and per person
//! a scattered path `b_p = ρ/(d1_p d2_p)` (ρ = 0.15 m) over the distances `d1_p`, `d2_p` from
//! the person to the two nodes. A person close to the direct path also shadows it:
//! `s = 1 − 0.5 e^{−Δ/0.1 m}` with excess path `Δ = d1 + d2 − d`. A sitting person's
//! chest moves 5 mm peak at 10–20 breaths per minute, lengthening both distances.
//!
//! **Radio.** `I`, `Q` are `round(gain·H + N(0, noise²))` clamped to int8, with the gain
//! (an ideal AGC) putting the direct path at 40 counts; the amplitude reported is
//! `√(I² + Q²)`.
//!
//! **Timing.** Each link's frames are independent: intervals uniform in
//! `[min_interval_s, max_interval_s]` (25–105 ms by default), and with probability
//! `gap_probability` (2 %) an interval uniform up to `max_gap_s` (260 ms) instead, as
//! unsynchronised ESP32 nodes deliver them.

use serde::{Deserialize, Serialize};

use crate::rng::Rng;

const C: f64 = 299_792_458.0;

/// Frame-timing model of a link.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TimingModel {
    pub min_interval_s: f64,
    pub max_interval_s: f64,
    pub gap_probability: f64,
    pub max_gap_s: f64,
}

impl Default for TimingModel {
    fn default() -> Self {
        TimingModel {
            min_interval_s: 0.025,
            max_interval_s: 0.105,
            gap_probability: 0.02,
            max_gap_s: 0.26,
        }
    }
}

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// Room size (x, y), metres.
    pub room: [f64; 2],
    /// Node positions, metres.
    pub nodes: Vec<[f64; 2]>,
    pub n_subcarriers: usize,
    /// People walking between random waypoints (0.4–1.0 m/s).
    pub walkers: usize,
    /// People sitting still and breathing.
    pub sitters: usize,
    /// Seed of the room (reflectors); the same room seed gives the same empty room.
    pub room_seed: u64,
    /// Seed of the people, the noise and the timing.
    pub seed: u64,
    /// Receiver noise per I/Q component, int8 counts.
    pub noise_counts: f64,
    pub timing: TimingModel,
}

impl Scenario {
    /// A 5 m × 4 m room with four nodes on the walls, 56 subcarriers and default timing.
    pub fn room_with_people(walkers: usize, sitters: usize, room_seed: u64, seed: u64) -> Self {
        Scenario {
            room: [5.0, 4.0],
            nodes: vec![[0.0, 1.2], [5.0, 2.8], [1.8, 4.0], [3.4, 0.0]],
            n_subcarriers: 56,
            walkers,
            sitters,
            room_seed,
            seed,
            noise_counts: 1.0,
            timing: TimingModel::default(),
        }
    }
}

#[derive(Debug, Clone)]
struct Walker {
    /// (arrival time s, position) waypoints.
    legs: Vec<(f64, [f64; 2])>,
}

#[derive(Debug, Clone)]
struct Sitter {
    position: [f64; 2],
    rate_hz: f64,
    phase: f64,
}

/// One link's recording: frame times (s), row-major `[frames, n_subcarriers]` amplitudes,
/// and the int8 `(I, Q)` pairs they come from (`[frames, n_subcarriers, 2]`, as in an ESP32
/// raw CSI packet).
#[derive(Debug, Clone, PartialEq)]
pub struct LinkRecording {
    pub timestamps_s: Vec<f64>,
    pub amplitudes: Vec<f64>,
    pub iq: Vec<i8>,
}

/// A running simulation (deterministic for a given scenario).
#[derive(Debug, Clone)]
pub struct Simulation {
    scenario: Scenario,
    links: Vec<(usize, usize)>,
    reflectors: Vec<Vec<(f64, f64)>>,
    walkers: Vec<Walker>,
    sitters: Vec<Sitter>,
    rng: Rng,
    /// Per link, the time of the frame after the last one recorded.
    next_frame_s: Vec<Option<f64>>,
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

impl Simulation {
    pub fn new(scenario: Scenario) -> Self {
        let n = scenario.nodes.len();
        let links: Vec<(usize, usize)> = (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .collect();
        let mut room_rng = Rng::new(scenario.room_seed ^ 0x0005_eed0_f400_0000);
        let reflectors = links
            .iter()
            .map(|_| {
                (0..6)
                    .map(|_| (room_rng.range(0.1, 0.5), room_rng.range(1.0, 10.0)))
                    .collect()
            })
            .collect();
        let mut rng = Rng::new(scenario.seed);
        let margin = 0.5;
        let [w, h] = scenario.room;
        let random_point =
            |rng: &mut Rng| [rng.range(margin, w - margin), rng.range(margin, h - margin)];
        let walkers = (0..scenario.walkers)
            .map(|_| {
                let mut t = 0.0;
                let mut p = random_point(&mut rng);
                let mut legs = vec![(0.0, p)];
                while t < 3600.0 {
                    let q = random_point(&mut rng);
                    t += dist(p, q) / rng.range(0.4, 1.0) + rng.range(0.0, 1.0);
                    legs.push((t, q));
                    p = q;
                }
                Walker { legs }
            })
            .collect();
        let sitters = (0..scenario.sitters)
            .map(|_| Sitter {
                position: random_point(&mut rng),
                rate_hz: rng.range(10.0, 20.0) / 60.0,
                phase: rng.range(0.0, 2.0 * std::f64::consts::PI),
            })
            .collect();
        let next_frame_s = vec![None; links.len()];
        Simulation {
            next_frame_s,
            scenario,
            links,
            reflectors,
            walkers,
            sitters,
            rng,
        }
    }

    /// The unordered node pairs, in recording order.
    pub fn links(&self) -> &[(usize, usize)] {
        &self.links
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Everyone's position at time `t` (s): walkers first, then sitters.
    pub fn people_at(&self, t: f64) -> Vec<[f64; 2]> {
        let mut out: Vec<[f64; 2]> = self
            .walkers
            .iter()
            .map(|w| {
                let k = w
                    .legs
                    .partition_point(|&(ta, _)| ta <= t)
                    .clamp(1, w.legs.len() - 1);
                let ((t0, p0), (t1, p1)) = (w.legs[k - 1], w.legs[k]);
                let f = ((t - t0) / (t1 - t0)).clamp(0.0, 1.0);
                [p0[0] + f * (p1[0] - p0[0]), p0[1] + f * (p1[1] - p0[1])]
            })
            .collect();
        out.extend(self.sitters.iter().map(|s| s.position));
        out
    }

    /// Amplitudes of link `l` at time `t` into `out` (length `n_subcarriers`).
    fn frame(&mut self, l: usize, t: f64, out: &mut [f64], iq_out: &mut Vec<i8>) {
        let (i, j) = self.links[l];
        let (a, b) = (self.scenario.nodes[i], self.scenario.nodes[j]);
        let d = dist(a, b);
        let people = self.people_at(t);
        let chest: Vec<f64> = (0..people.len())
            .map(|p| {
                p.checked_sub(self.walkers.len()).map_or(0.0, |s| {
                    let s = &self.sitters[s];
                    0.005 * (2.0 * std::f64::consts::PI * s.rate_hz * t + s.phase).sin()
                })
            })
            .collect();
        let mut shadow = 1.0;
        let paths: Vec<(f64, f64)> = people
            .iter()
            .zip(&chest)
            .map(|(p, c)| {
                let (d1, d2) = (dist(*p, a).max(0.2) + c, dist(*p, b).max(0.2) + c);
                shadow *= 1.0 - 0.5 * (-(d1 + d2 - d).max(0.0) / 0.1).exp();
                (0.15 / (d1 * d2), d1 + d2)
            })
            .collect();
        let s_count = self.scenario.n_subcarriers;
        let gain = 40.0 * d;
        let noise = self.scenario.noise_counts;
        for (k, slot) in out.iter_mut().enumerate() {
            let f = 2.437e9 + (k as f64 - (s_count as f64 - 1.0) / 2.0) * 312_500.0;
            let w = -2.0 * std::f64::consts::PI * f / C;
            let mut re = shadow / d * (w * d).cos();
            let mut im = shadow / d * (w * d).sin();
            for &(amp, excess) in &self.reflectors[l] {
                re += amp / d * (w * (d + excess)).cos();
                im += amp / d * (w * (d + excess)).sin();
            }
            for &(amp, path) in &paths {
                re += amp * (w * path).cos();
                im += amp * (w * path).sin();
            }
            let iq = |v: f64, rng: &mut Rng| {
                (gain * v + noise * rng.normal())
                    .round()
                    .clamp(-128.0, 127.0)
            };
            let (qi, qq) = (iq(re, &mut self.rng), iq(im, &mut self.rng));
            *slot = qi.hypot(qq);
            // Rounded and clamped to the i8 range above: the casts are exact.
            iq_out.push(qi as i8);
            iq_out.push(qq as i8);
        }
    }

    /// Records every link from `start_s` for `duration_s` seconds with the timing model. A
    /// record starting where the previous one ended continues each link's frame clock, so
    /// consecutive short records make one stream.
    pub fn record(&mut self, start_s: f64, duration_s: f64) -> Vec<LinkRecording> {
        let s = self.scenario.n_subcarriers;
        let timing = self.scenario.timing;
        let mut out = Vec::with_capacity(self.links.len());
        let mut row = vec![0.0; s];
        for l in 0..self.links.len() {
            let mut rec = LinkRecording {
                timestamps_s: Vec::new(),
                amplitudes: Vec::new(),
                iq: Vec::new(),
            };
            let mut t = match self.next_frame_s[l] {
                Some(next) if next >= start_s && next < start_s + timing.max_gap_s => next,
                _ => start_s + self.rng.range(0.0, timing.max_interval_s),
            };
            while t < start_s + duration_s {
                self.frame(l, t, &mut row, &mut rec.iq);
                rec.timestamps_s.push(t);
                rec.amplitudes.extend_from_slice(&row);
                t += if self.rng.uniform() < timing.gap_probability {
                    self.rng.range(timing.max_interval_s, timing.max_gap_s)
                } else {
                    self.rng.range(timing.min_interval_s, timing.max_interval_s)
                };
            }
            self.next_frame_s[l] = Some(t);
            out.push(rec);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_follows_the_model_and_runs_are_deterministic() {
        let mut sim = Simulation::new(Scenario::room_with_people(1, 1, 3, 4));
        let rec = sim.record(0.0, 60.0);
        assert_eq!(rec.len(), 6);
        let ts = &rec[0].timestamps_s;
        let gaps: Vec<f64> = ts.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(gaps.iter().all(|g| (0.025..0.26).contains(g)));
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        // Mean interval 0.98 · 0.065 + 0.02 · 0.1825 = 0.0674 s.
        assert!((mean - 0.0674).abs() < 0.003, "{mean}");
        assert!(rec[0].amplitudes.iter().all(|a| (0.0..=182.0).contains(a)));
        let again = Simulation::new(Scenario::room_with_people(1, 1, 3, 4)).record(0.0, 60.0);
        assert_eq!(again, rec);
        // Short consecutive records continue each link's clock: intervals stay in the model.
        let mut sim2 = Simulation::new(Scenario::room_with_people(0, 1, 3, 4));
        let mut ts = Vec::new();
        for k in 0..300 {
            ts.extend(sim2.record(k as f64 * 0.1, 0.1).swap_remove(2).timestamps_s);
        }
        let gaps: Vec<f64> = ts.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(gaps.iter().all(|g| (0.025..0.26).contains(g)), "{gaps:?}");
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        assert!((mean - 0.0674).abs() < 0.005, "{mean}");
        // A walker stays in the room, a sitter stays put.
        for k in 0..100 {
            let p = sim.people_at(k as f64 * 7.3);
            assert!(p[0][0] >= 0.5 && p[0][0] <= 4.5 && p[0][1] >= 0.5 && p[0][1] <= 3.5);
            assert_eq!(p[1], sim.people_at(0.0)[1]);
        }
    }
}
