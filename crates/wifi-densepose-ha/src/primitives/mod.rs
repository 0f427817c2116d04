//! The ten semantic primitives of docs/wire.md §7.10.
//!
//! Each primitive is a state machine fed one [`Sample`] per second per node; times come
//! from the samples (Unix seconds), nothing reads a clock. The 60 s warm-up and the 1 Hz
//! sampling are applied by [`engine::SemanticEngine`], so the machines start counting
//! durations at the end of the warm-up.

pub mod bathroom_occupied;
pub mod bed_exit;
pub mod elderly_inactivity_anomaly;
pub mod engine;
pub mod fall_risk_elevated;
pub mod meeting_in_progress;
pub mod multi_room_transition;
pub mod no_movement;
pub mod possible_distress;
pub mod room_active;
mod sampler;
pub mod someone_sleeping;
mod time_window;

pub use engine::{warm_up_done, NodeStep, PrimitiveOutputs, SemanticEngine, WARM_UP_S};
pub use sampler::Sample;

/// How long a condition has held at `t_s`, given when it started (0 if it does not hold).
fn held_for(since: Option<f64>, t_s: f64) -> f64 {
    since.map_or(0.0, |s| t_s - s)
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::Sample;

    /// A present, still person with no vitals at `t_s`.
    pub fn still(t_s: f64) -> Sample {
        Sample {
            t_s,
            presence: true,
            motion_pct: 0.0,
            n_persons: 1,
            breathing_bpm: None,
            heart: None,
            fall_edge: false,
        }
    }

    /// A present, moving person at `t_s`.
    pub fn moving(t_s: f64) -> Sample {
        Sample {
            motion_pct: 100.0,
            ..still(t_s)
        }
    }

    /// Nobody there at `t_s`.
    pub fn absent(t_s: f64) -> Sample {
        Sample {
            presence: false,
            n_persons: 0,
            ..still(t_s)
        }
    }

    /// The first time in `from..to` at which `step(make(t))` satisfies `pred`.
    pub fn first_time<O>(
        mut step: impl FnMut(&Sample) -> O,
        make: impl Fn(f64) -> Sample,
        from: u32,
        to: u32,
        pred: impl Fn(&O) -> bool,
    ) -> Option<u32> {
        (from..to).find(|&t| pred(&step(&make(f64::from(t)))))
    }
}
