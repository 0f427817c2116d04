//! Multi-target tracking on the floor plane: one constant-velocity Kalman filter per track
//! (discrete white-noise acceleration model, Bar-Shalom, Li & Kirubarajan 2001), Mahalanobis
//! gating, global assignment by the Hungarian algorithm, and a track life cycle
//! (tentative → confirmed → deleted, as in SORT, Bewley et al. 2016).
//!
//! Per axis the state is `[position, velocity]` with `F = [[1, dt], [0, 1]]`,
//! `Q = σ_a² [[dt⁴/4, dt³/2], [dt³/2, dt²]]`, `H = [1, 0]`, `R = σ_z²`; the two axes are
//! independent, each keeping its full 2 × 2 covariance (Joseph-form update). A detection is a
//! candidate for a track when its squared Mahalanobis distance to the predicted position is
//! below the gate (default χ²₂(0.99) = 9.21).

use serde::{Deserialize, Serialize};

use crate::error::{ensure_finite, Result, SensingError};
use crate::linalg::hungarian;

/// χ²₂ quantile at 0.99, the default gate on the squared 2-D Mahalanobis distance.
pub const CHI2_2_099: f64 = 9.21;

/// Settings of [`Tracker`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrackerConfig {
    /// Acceleration noise σ_a, m/s².
    pub accel_sigma: f64,
    /// Measurement noise σ_z per axis, m.
    pub measurement_sigma: f64,
    /// Initial velocity standard deviation of a new track, m/s.
    pub initial_velocity_sigma: f64,
    /// Gate on the squared Mahalanobis distance.
    pub gate: f64,
    /// Hits (including the first) that confirm a track.
    pub confirm_hits: u32,
    /// Consecutive misses that delete a confirmed track (tentative tracks die at the first).
    pub max_misses: u32,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        TrackerConfig {
            accel_sigma: 1.0,
            measurement_sigma: 0.3,
            initial_velocity_sigma: 1.0,
            gate: CHI2_2_099,
            confirm_hits: 3,
            max_misses: 10,
        }
    }
}

impl TrackerConfig {
    fn validate(&self) -> Result<()> {
        SensingError::ensure_positive("accel_sigma", self.accel_sigma)?;
        SensingError::ensure_positive("measurement_sigma", self.measurement_sigma)?;
        SensingError::ensure_positive("initial_velocity_sigma", self.initial_velocity_sigma)?;
        SensingError::ensure_positive("gate", self.gate)?;
        if self.confirm_hits == 0 || self.max_misses == 0 {
            return Err(SensingError::config(
                "confirm_hits and max_misses must be >= 1",
            ));
        }
        Ok(())
    }
}

/// One axis: state [p, v] and covariance [[a, b], [b, c]].
#[derive(Debug, Clone, Copy, PartialEq)]
struct Axis {
    p: f64,
    v: f64,
    a: f64,
    b: f64,
    c: f64,
}

impl Axis {
    fn predict(&mut self, dt: f64, q: f64) {
        self.p += self.v * dt;
        // F P Fᵀ + Q.
        let (a, b, c) = (self.a, self.b, self.c);
        self.a = a + 2.0 * dt * b + dt * dt * c + q * dt.powi(4) / 4.0;
        self.b = b + dt * c + q * dt.powi(3) / 2.0;
        self.c = c + q * dt * dt;
    }

    fn update(&mut self, z: f64, r: f64) {
        let s = self.a + r;
        let (k0, k1) = (self.a / s, self.b / s);
        let nu = z - self.p;
        self.p += k0 * nu;
        self.v += k1 * nu;
        // Joseph form: (I − KH) P (I − KH)ᵀ + K R Kᵀ.
        let (a, b, c) = (self.a, self.b, self.c);
        let na = (1.0 - k0).powi(2) * a + k0 * k0 * r;
        let nb = (1.0 - k0) * (b - k1 * a) + k0 * k1 * r;
        let nc = c - 2.0 * k1 * b + k1 * k1 * a + k1 * k1 * r;
        self.a = na;
        self.b = nb;
        self.c = nc;
    }
}

/// The life-cycle stage of a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrackStatus {
    Tentative,
    Confirmed,
}

/// A track as reported after each step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Track {
    /// Stable identifier, never reused.
    pub id: u64,
    pub status: TrackStatus,
    /// Position, m.
    pub position: [f64; 2],
    /// Velocity, m/s.
    pub velocity: [f64; 2],
    /// Position variance per axis, m².
    pub position_variance: [f64; 2],
    pub hits: u32,
    /// Consecutive steps without a detection.
    pub misses: u32,
}

#[derive(Debug, Clone)]
struct State {
    id: u64,
    axes: [Axis; 2],
    hits: u32,
    misses: u32,
    confirmed: bool,
}

impl State {
    fn report(&self) -> Track {
        Track {
            id: self.id,
            status: if self.confirmed {
                TrackStatus::Confirmed
            } else {
                TrackStatus::Tentative
            },
            position: [self.axes[0].p, self.axes[1].p],
            velocity: [self.axes[0].v, self.axes[1].v],
            position_variance: [self.axes[0].a, self.axes[1].a],
            hits: self.hits,
            misses: self.misses,
        }
    }
}

/// A multi-target tracker (one thread at a time).
#[derive(Debug, Clone)]
pub struct Tracker {
    config: TrackerConfig,
    tracks: Vec<State>,
    next_id: u64,
}

impl Tracker {
    pub fn new(config: TrackerConfig) -> Result<Self> {
        config.validate()?;
        Ok(Tracker {
            config,
            tracks: Vec::new(),
            next_id: 1,
        })
    }

    /// Advances every track by `dt` seconds, assigns `detections` (x, y in metres), updates,
    /// starts and deletes tracks, and returns all live tracks (ordered by id).
    pub fn step(&mut self, detections: &[[f64; 2]], dt: f64) -> Result<Vec<Track>> {
        if !(dt.is_finite() && dt >= 0.0) {
            return Err(SensingError::validation(
                "dt",
                format!("must be finite and >= 0 seconds, got {dt}"),
            ));
        }
        for (i, d) in detections.iter().enumerate() {
            ensure_finite(&format!("detections[{i}]"), d, 0)?;
        }
        let q = self.config.accel_sigma.powi(2);
        let r = self.config.measurement_sigma.powi(2);
        for t in &mut self.tracks {
            for axis in &mut t.axes {
                axis.predict(dt, q);
            }
        }
        let (nt, nd) = (self.tracks.len(), detections.len());
        // Squared Mahalanobis distances; outside the gate costs a large constant so the
        // assignment prefers gated pairs, and such pairs are discarded afterwards.
        let big = 1e6;
        let mut cost = vec![big; nt * nd];
        for (i, t) in self.tracks.iter().enumerate() {
            for (j, d) in detections.iter().enumerate() {
                let d2: f64 = (0..2)
                    .map(|k| (d[k] - t.axes[k].p).powi(2) / (t.axes[k].a + r))
                    .sum();
                if d2 < self.config.gate {
                    cost[i * nd + j] = d2;
                }
            }
        }
        let assignment = hungarian(&cost, nt, nd);
        let mut used = vec![false; nd];
        for (i, t) in self.tracks.iter_mut().enumerate() {
            match assignment[i] {
                Some(j) if cost[i * nd + j] < big => {
                    used[j] = true;
                    for (axis, z) in t.axes.iter_mut().zip(detections[j]) {
                        axis.update(z, r);
                    }
                    t.hits += 1;
                    t.misses = 0;
                    if t.hits >= self.config.confirm_hits {
                        t.confirmed = true;
                    }
                }
                _ => t.misses += 1,
            }
        }
        let max_misses = self.config.max_misses;
        self.tracks.retain(|t| {
            if t.confirmed {
                t.misses < max_misses
            } else {
                t.misses == 0
            }
        });
        let pv = self.config.initial_velocity_sigma.powi(2);
        for (j, d) in detections.iter().enumerate() {
            if !used[j] {
                let axis = |p: f64| Axis {
                    p,
                    v: 0.0,
                    a: r,
                    b: 0.0,
                    c: pv,
                };
                self.tracks.push(State {
                    id: self.next_id,
                    axes: [axis(d[0]), axis(d[1])],
                    hits: 1,
                    misses: 0,
                    confirmed: self.config.confirm_hits <= 1,
                });
                self.next_id += 1;
            }
        }
        Ok(self.tracks.iter().map(State::report).collect())
    }

    /// The live tracks (ordered by id).
    pub fn tracks(&self) -> Vec<Track> {
        self.tracks.iter().map(State::report).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_free_constant_velocity_is_tracked_with_its_speed() {
        // 1 m/s along x, dt = 0.05 s, noise-free detections: after 2 s the position error is
        // below 1 cm and the speed is 1.00 ± 0.01 m/s.
        let mut tracker = Tracker::new(TrackerConfig {
            measurement_sigma: 0.05,
            ..Default::default()
        })
        .unwrap();
        let dt = 0.05;
        let mut last = Vec::new();
        for i in 0..=40 {
            let t = i as f64 * dt;
            last = tracker.step(&[[t, 1.0]], dt).unwrap();
        }
        assert_eq!(last.len(), 1);
        let track = last[0];
        assert_eq!(track.id, 1);
        assert_eq!(track.status, TrackStatus::Confirmed);
        assert!(
            (track.position[0] - 2.0).abs() < 0.01,
            "{:?}",
            track.position
        );
        assert!((track.position[1] - 1.0).abs() < 0.01);
        let speed = track.velocity[0].hypot(track.velocity[1]);
        assert!((speed - 1.0).abs() < 0.01, "speed {speed}");
    }

    #[test]
    fn covariance_stays_symmetric_positive_definite() {
        let mut axis = Axis {
            p: 0.0,
            v: 0.0,
            a: 0.09,
            b: 0.0,
            c: 1.0,
        };
        for i in 0..1000 {
            axis.predict(0.05, 1.0);
            if i % 3 != 0 {
                axis.update(0.0, 0.09);
            }
            assert!(axis.a > 0.0 && axis.c > 0.0 && axis.a * axis.c - axis.b * axis.b > 0.0);
        }
    }

    #[test]
    fn crossing_targets_keep_their_ids() {
        // Two targets cross in an X at 1 m/s: A from (0, 0) to (4, 4), B from (0, 4) to (4, 0).
        let mut tracker = Tracker::new(TrackerConfig::default()).unwrap();
        let dt = 0.05;
        let v = 1.0 / 2f64.sqrt();
        let mut ids = None;
        for i in 0..=113 {
            let t = i as f64 * dt;
            let a = [v * t, v * t];
            let b = [v * t, 4.0 - v * t];
            let tracks = tracker.step(&[a, b], dt).unwrap();
            assert_eq!(tracks.len(), 2, "step {i}");
            let near = |p: [f64; 2]| {
                tracks
                    .iter()
                    .min_by(|x, y| {
                        let dx = (x.position[0] - p[0]).hypot(x.position[1] - p[1]);
                        let dy = (y.position[0] - p[0]).hypot(y.position[1] - p[1]);
                        dx.total_cmp(&dy)
                    })
                    .unwrap()
                    .id
            };
            // Away from the crossing itself, the track nearest each target keeps its id.
            if (a[1] - b[1]).abs() > 0.3 {
                let now = (near(a), near(b));
                assert_ne!(now.0, now.1);
                match ids {
                    None => ids = Some(now),
                    Some(first) => assert_eq!(first, now, "step {i}"),
                }
            }
        }
        assert_eq!(ids, Some((1, 2)));
    }

    #[test]
    fn life_cycle_birth_confirm_death() {
        let cfg = TrackerConfig {
            confirm_hits: 3,
            max_misses: 2,
            ..Default::default()
        };
        let mut tracker = Tracker::new(cfg).unwrap();
        let t1 = tracker.step(&[[1.0, 1.0]], 0.1).unwrap();
        assert_eq!((t1.len(), t1[0].status), (1, TrackStatus::Tentative));
        // A tentative track dies at its first miss.
        assert!(tracker.step(&[], 0.1).unwrap().is_empty());
        for _ in 0..3 {
            tracker.step(&[[1.0, 1.0]], 0.1).unwrap();
        }
        assert_eq!(tracker.tracks()[0].status, TrackStatus::Confirmed);
        assert_eq!(tracker.tracks()[0].id, 2);
        assert_eq!(tracker.step(&[], 0.1).unwrap().len(), 1);
        assert!(tracker.step(&[], 0.1).unwrap().is_empty());
        // A detection far outside the gate starts a new track instead of updating.
        let mut tracker = Tracker::new(TrackerConfig::default()).unwrap();
        tracker.step(&[[0.0, 0.0]], 0.1).unwrap();
        let tracks = tracker.step(&[[0.0, 0.0], [50.0, 0.0]], 0.1).unwrap();
        assert_eq!(tracks.iter().map(|t| t.id).collect::<Vec<_>>(), vec![1, 2]);
        assert!(tracker
            .step(&[[f64::NAN, 0.0]], 0.1)
            .unwrap_err()
            .to_string()
            .contains("detections[0]"));
    }
}
