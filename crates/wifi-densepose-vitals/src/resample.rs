//! Time-true resampling: frames stamped with capture times in, frames on a uniform grid out.
//!
//! Real sensor streams are not evenly spaced (an ESP32 node's frames are 25–105 ms apart and
//! its rate drifts), while every estimator downstream assumes a fixed sample rate. The
//! resampler puts frames on the absolute grid `k/fs` (k an integer, from timestamp 0, whatever
//! frame came first) by linear interpolation between the two input frames around each grid
//! time, so a stream started at any frame lands on the same grid times with the same values: amplitudes along the
//! line, phases along the shorter arc of the circle (so a wrap at ±π is not a jump), each
//! measured from the nearer frame (a grid time that falls on a frame gives that frame's
//! values exactly, and a phase stays on the branch of the nearer frame). A frame
//! whose time does not increase is dropped and counted; a gap longer than `max_gap_s` is never
//! interpolated across: the grid resumes at the first grid time at or after the frame after
//! it (still on `k/fs`).

use std::f64::consts::PI;

use crate::error::{Result, VitalsError};
use crate::extractor::ensure_finite_values;
use crate::frames::{ensure_finite_rows, FrameSource};

/// The longest interval interpolated across by default, seconds. Longer than the normal
/// spacing of ESP32 frames (up to ~0.26 s between frames of one layout), shorter than one
/// heartbeat period at the top of the heart band.
pub const DEFAULT_MAX_GAP_S: f64 = 0.5;

/// The fastest grid, Hz: with [`MAX_TIME_S`] it keeps every grid index `k = t·fs` below 2⁵²,
/// where f64 holds every integer exactly.
pub const MAX_SAMPLE_RATE_HZ: f64 = 100_000.0;

/// The largest |timestamp| taken, seconds (about 1,400 years; Unix times are ~1.8·10⁹ s).
pub const MAX_TIME_S: f64 = 4.0e10;

/// Refuses a non-finite time or one beyond ±[`MAX_TIME_S`], naming `field` and the position.
pub fn ensure_times(field: &str, times_s: &[f64]) -> Result<()> {
    ensure_finite_values(field, times_s)?;
    match times_s.iter().position(|t| t.abs() > MAX_TIME_S) {
        None => Ok(()),
        Some(i) => Err(VitalsError::validation(
            format!("{field}[{i}]"),
            format!(
                "{} s is beyond ±{MAX_TIME_S:e} s (the resampling grid k/fs needs exact integers k)",
                times_s[i]
            ),
        )),
    }
}

/// The index of the first grid time `k/fs` at or after `time_s` (an exact integer in f64).
fn first_grid_index(time_s: f64, sample_rate_hz: f64) -> f64 {
    let mut k = (time_s * sample_rate_hz).ceil();
    // The product rounds; the grid times themselves decide.
    if k / sample_rate_hz < time_s {
        k += 1.0;
    } else if (k - 1.0) / sample_rate_hz >= time_s {
        k -= 1.0;
    }
    k
}

/// What the resampler did with the frames it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResampleStats {
    /// Frames used.
    pub accepted: u64,
    /// Frames dropped because their time equals the previous frame's.
    pub duplicates: u64,
    /// Frames dropped because their time is before the previous frame's.
    pub out_of_order: u64,
    /// Intervals longer than `max_gap_s` (the grid restarted after each).
    pub gaps: u64,
    /// Grid frames produced.
    pub emitted: u64,
}

/// The outcome of one [`UniformResampler::push`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resampled {
    /// Used; `gap` when it starts a new segment after a gap.
    Accepted { gap: bool },
    /// The same time as the previous frame: dropped.
    Duplicate,
    /// Earlier than the previous frame: dropped.
    OutOfOrder,
}

/// Streaming linear resampler of `[amplitudes | phases]` frames onto a uniform time grid.
///
/// For one thread at a time.
#[derive(Debug, Clone)]
pub struct UniformResampler {
    sample_rate_hz: f64,
    max_gap_s: f64,
    /// The time and values of the latest accepted frame.
    last_time: Option<f64>,
    last_amplitudes: Vec<f64>,
    last_phases: Vec<f64>,
    /// The next grid index k (grid time k/fs), an exact integer.
    next_index: f64,
    amplitudes: Vec<f64>,
    phases: Vec<f64>,
    stats: ResampleStats,
}

impl UniformResampler {
    /// A grid of `sample_rate_hz`; requires a finite rate in (0, [`MAX_SAMPLE_RATE_HZ`]] and a
    /// finite `max_gap_s` > 0.
    pub fn new(sample_rate_hz: f64, max_gap_s: f64) -> Result<Self> {
        VitalsError::ensure_config_positive("sample_rate_hz", sample_rate_hz)?;
        VitalsError::ensure_config_positive("max_gap_s", max_gap_s)?;
        if sample_rate_hz > MAX_SAMPLE_RATE_HZ {
            return Err(VitalsError::config(format!(
                "sample_rate_hz must be at most {MAX_SAMPLE_RATE_HZ} Hz, got {sample_rate_hz}"
            )));
        }
        // One gap is filled with up to max_gap_s·rate samples: bounded like any size argument.
        let per_gap = max_gap_s * sample_rate_hz;
        let limit = wifi_densepose_core::validate::MAX_LENGTH;
        if per_gap > limit as f64 {
            return Err(VitalsError::config(format!(
                "max_gap_s {max_gap_s} s at sample_rate_hz {sample_rate_hz} Hz fills up to \
                 {per_gap} samples per gap, above the maximum {limit}"
            )));
        }
        Ok(UniformResampler {
            sample_rate_hz,
            max_gap_s,
            last_time: None,
            last_amplitudes: Vec::new(),
            last_phases: Vec::new(),
            next_index: 0.0,
            amplitudes: Vec::new(),
            phases: Vec::new(),
            stats: ResampleStats::default(),
        })
    }

    pub fn sample_rate_hz(&self) -> f64 {
        self.sample_rate_hz
    }

    pub fn max_gap_s(&self) -> f64 {
        self.max_gap_s
    }

    pub fn stats(&self) -> ResampleStats {
        self.stats
    }

    /// The time of the latest accepted frame, seconds.
    pub fn last_time(&self) -> Option<f64> {
        self.last_time
    }

    /// Feeds one frame at `time_s` (finite, within ±[`MAX_TIME_S`]; the caller validates) and
    /// calls `emit(grid_time_s, amplitudes, phases)` for every grid time k/fs in (previous
    /// frame, this frame]. The first frame and the first frame after a gap are emitted as they
    /// are only when they fall on a grid time; the grid continues from there.
    /// Every frame of one resampler must have the same lengths (the caller checks).
    pub fn push(
        &mut self,
        time_s: f64,
        amplitudes: &[f64],
        phases: &[f64],
        mut emit: impl FnMut(f64, &[f64], &[f64]),
    ) -> Resampled {
        let after_gap = match self.last_time {
            Some(last) if time_s == last => {
                self.stats.duplicates += 1;
                return Resampled::Duplicate;
            }
            Some(last) if time_s < last => {
                self.stats.out_of_order += 1;
                return Resampled::OutOfOrder;
            }
            Some(last) => time_s - last > self.max_gap_s,
            None => false,
        };
        self.stats.accepted += 1;
        match self.last_time {
            Some(last) if !after_gap => {
                self.interpolate(last, time_s, amplitudes, phases, &mut emit);
            }
            _ => {
                if after_gap {
                    self.stats.gaps += 1;
                }
                self.next_index = first_grid_index(time_s, self.sample_rate_hz);
                if self.next_index / self.sample_rate_hz == time_s {
                    self.next_index += 1.0;
                    self.stats.emitted += 1;
                    emit(time_s, amplitudes, phases);
                }
            }
        }
        self.last_time = Some(time_s);
        self.last_amplitudes.clear();
        self.last_amplitudes.extend_from_slice(amplitudes);
        self.last_phases.clear();
        self.last_phases.extend_from_slice(phases);
        Resampled::Accepted { gap: after_gap }
    }

    /// Emits the grid times in (last, time_s].
    fn interpolate(
        &mut self,
        last: f64,
        time_s: f64,
        amplitudes: &[f64],
        phases: &[f64],
        emit: &mut impl FnMut(f64, &[f64], &[f64]),
    ) {
        let span = time_s - last;
        loop {
            // From the index each time, so rounding does not accumulate.
            let grid_time = self.next_index / self.sample_rate_hz;
            if grid_time > time_s {
                break;
            }
            // From the nearer frame, so a grid time on a frame reproduces it exactly and
            // phases stay on that frame's branch.
            let w = (grid_time - last) / span;
            let (last_a, last_p) = (&self.last_amplitudes[..], &self.last_phases[..]);
            let (near_a, far_a, near_p, far_p, w) = if w <= 0.5 {
                (last_a, amplitudes, last_p, phases, w)
            } else {
                (amplitudes, last_a, phases, last_p, 1.0 - w)
            };
            self.amplitudes.clear();
            self.amplitudes
                .extend(near_a.iter().zip(far_a).map(|(&a, &b)| a + w * (b - a)));
            self.phases.clear();
            self.phases.extend(
                near_p
                    .iter()
                    .zip(far_p)
                    .map(|(&a, &b)| a + w * wrap_phase(b - a)),
            );
            self.next_index += 1.0;
            self.stats.emitted += 1;
            emit(grid_time, &self.amplitudes, &self.phases);
        }
    }

    /// Back to the freshly constructed state.
    pub fn reset(&mut self) {
        self.last_time = None;
        self.last_amplitudes.clear();
        self.last_phases.clear();
        self.next_index = 0.0;
        self.stats = ResampleStats::default();
    }
}

/// Frames on a uniform grid: row-major `[time, column]` values and their counts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UniformFrames {
    pub times_s: Vec<f64>,
    pub amplitudes: Vec<f64>,
    pub phases: Vec<f64>,
    pub stats: ResampleStats,
}

/// Timestamped `[time, column]` amplitudes and phases on a uniform grid, as a resampler fed
/// every row gives them. Non-finite input and mismatched shapes are refused.
pub fn resample_uniform(
    timestamps_s: &[f64],
    amplitudes: &impl FrameSource,
    phases: &impl FrameSource,
    sample_rate_hz: f64,
    max_gap_s: f64,
) -> Result<UniformFrames> {
    let mut resampler = UniformResampler::new(sample_rate_hz, max_gap_s)?;
    let n_frames = amplitudes.n_frames();
    for (field, frames, columns) in [
        ("phases", phases.n_frames(), phases.n_columns()),
        ("timestamps", timestamps_s.len(), amplitudes.n_columns()),
    ] {
        if frames != n_frames || columns != amplitudes.n_columns() {
            return Err(VitalsError::shape(
                field,
                format!(
                    "{n_frames} rows of {} (as amplitudes)",
                    amplitudes.n_columns()
                ),
                format!("{frames} rows of {columns}"),
            ));
        }
    }
    ensure_times("timestamps", timestamps_s)?;
    ensure_finite_rows("amplitudes", amplitudes)?;
    ensure_finite_rows("phases", phases)?;
    // About one grid frame per input frame (grids near the input rate); more only grow.
    let rows = n_frames.saturating_add(1);
    let mut out = UniformFrames {
        times_s: Vec::with_capacity(rows),
        amplitudes: Vec::with_capacity(rows.saturating_mul(amplitudes.n_columns())),
        phases: Vec::with_capacity(rows.saturating_mul(amplitudes.n_columns())),
        stats: ResampleStats::default(),
    };
    for (frame, &time_s) in timestamps_s.iter().enumerate() {
        resampler.push(
            time_s,
            &amplitudes.row(frame),
            &phases.row(frame),
            |t, a, p| {
                out.times_s.push(t);
                out.amplitudes.extend_from_slice(a);
                out.phases.extend_from_slice(p);
            },
        );
    }
    out.stats = resampler.stats();
    Ok(out)
}

/// `phase` wrapped into [-π, π).
pub fn wrap_phase(phase: f64) -> f64 {
    // Differences of atan2 phases are almost always in range already.
    if (-PI..PI).contains(&phase) {
        phase
    } else {
        phase - 2.0 * PI * ((phase + PI) / (2.0 * PI)).floor()
    }
}

/// A uniform grid rate for frames at `timestamps_s` (increasing, seconds): the mean frame
/// rate over the span, rounded to a whole Hz (at least 1 Hz). `None` for fewer than two
/// distinct times.
pub fn nominal_rate_hz(timestamps_s: &[f64]) -> Option<f64> {
    let (first, last) = (*timestamps_s.first()?, *timestamps_s.last()?);
    let span = last - first;
    if !(span.is_finite() && span > 0.0) {
        return None;
    }
    Some((((timestamps_s.len() - 1) as f64 / span).round()).max(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(
        resampler: &mut UniformResampler,
        frames: &[(f64, f64, f64)],
    ) -> Vec<(f64, f64, f64)> {
        let mut out = Vec::new();
        for &(t, a, p) in frames {
            resampler.push(t, &[a], &[p], |g, a, p| out.push((g, a[0], p[0])));
        }
        out
    }

    #[test]
    fn a_gap_that_could_hold_too_many_samples_is_refused() {
        // 10^6 s at 100 Hz: 10^8 samples per gap, above 2^24.
        assert!(UniformResampler::new(100.0, 1e6).is_err());
        assert!(UniformResampler::new(1e300, DEFAULT_MAX_GAP_S).is_err());
        // 2^24 samples exactly is allowed.
        assert!(UniformResampler::new(1024.0, 16_384.0).is_ok());
        // Above 100 kHz the grid index k = t·fs of a Unix time would leave f64's integers.
        assert!(UniformResampler::new(100_000.0, 0.5).is_ok());
        assert!(UniformResampler::new(100_001.0, 0.5).is_err());
    }

    #[test]
    fn linear_between_frames_on_the_grid() {
        let mut r = UniformResampler::new(10.0, 0.5).unwrap();
        // a = 10·t: every grid value is 10·grid time.
        let out = collect(
            &mut r,
            &[(0.0, 0.0, 0.0), (0.25, 2.5, 0.0), (0.31, 3.1, 0.0)],
        );
        let times: Vec<f64> = out.iter().map(|o| o.0).collect();
        assert_eq!(times.len(), 4);
        for (k, (g, a, _)) in out.iter().enumerate() {
            assert!((g - k as f64 / 10.0).abs() < 1e-12);
            assert!((a - 10.0 * g).abs() < 1e-12, "{g} {a}");
        }
        assert_eq!(r.stats().emitted, 4);
        assert_eq!(r.stats().accepted, 3);
    }

    #[test]
    fn phases_take_the_short_way_round() {
        let mut r = UniformResampler::new(2.0, 1.0).unwrap();
        let out = collect(&mut r, &[(0.0, 1.0, 3.0), (1.0, 1.0, -3.0)]);
        // Halfway from 3 to -3 rad across ±π is π (wrapped to -π), not 0.
        assert_eq!(out.len(), 3);
        assert!((out[1].2.abs() - PI).abs() < 1e-12, "{}", out[1].2);
        assert!((out[2].2 + 3.0).abs() < 1e-12);
    }

    #[test]
    fn duplicates_and_out_of_order_frames_are_dropped_and_counted() {
        let mut r = UniformResampler::new(10.0, 0.5).unwrap();
        let mut n = 0;
        let mut push = |r: &mut UniformResampler, t: f64| r.push(t, &[t], &[0.0], |_, _, _| n += 1);
        assert_eq!(push(&mut r, 1.0), Resampled::Accepted { gap: false });
        assert_eq!(push(&mut r, 1.0), Resampled::Duplicate);
        assert_eq!(push(&mut r, 0.5), Resampled::OutOfOrder);
        assert_eq!(push(&mut r, 1.2), Resampled::Accepted { gap: false });
        let stats = r.stats();
        assert_eq!(
            (stats.duplicates, stats.out_of_order, stats.accepted),
            (1, 1, 2)
        );
        assert_eq!(n, 3);
    }

    #[test]
    fn gaps_are_not_interpolated_and_the_grid_resumes_on_multiples_of_the_interval() {
        let mut r = UniformResampler::new(10.0, 0.5).unwrap();
        let mut out = Vec::new();
        let mut outcomes = Vec::new();
        for &t in &[0.0, 0.2, 1.05, 1.25] {
            outcomes.push(r.push(t, &[t], &[0.0], |g, a, _| out.push((g, a[0]))));
        }
        assert_eq!(outcomes[2], Resampled::Accepted { gap: true });
        assert_eq!(outcomes[3], Resampled::Accepted { gap: false });
        // 1.05 s is not a grid time (k/10 s): nothing until the next frame, which gives the
        // grid times 1.1 and 1.2 s in (1.05, 1.25] with a = t.
        let expected = [(0.0, 0.0), (0.1, 0.1), (0.2, 0.2), (1.1, 1.1), (1.2, 1.2)];
        assert_eq!(out.len(), expected.len(), "{out:?}");
        for ((t, a), (et, ea)) in out.iter().zip(expected) {
            assert!((t - et).abs() < 1e-12 && (a - ea).abs() < 1e-12, "{out:?}");
        }
        assert_eq!(r.stats().gaps, 1);
        assert_eq!(r.stats().emitted, 5);
    }

    #[test]
    fn the_grid_is_absolute_whatever_frame_comes_first() {
        // Frames at 1_775_000_000 s + irregular offsets, a = offset; a stream started at any
        // of them gives, from then on, exactly the grid frames (k/20 s) of the whole stream.
        let t0 = 1_775_000_000.0;
        let offsets: Vec<f64> = (0..200)
            .map(|i| i as f64 * 0.05 + if i % 3 == 0 { 0.013 } else { -0.021 })
            .collect();
        let run = |from: usize| {
            let mut r = UniformResampler::new(20.0, 0.5).unwrap();
            let mut out = Vec::new();
            for &o in &offsets[from..] {
                r.push(t0 + o, &[o], &[0.0], |g, a, _| out.push((g, a[0])));
            }
            out
        };
        let whole = run(0);
        for (g, _) in &whole {
            let k = g * 20.0;
            assert_eq!(k, k.round(), "{g} is not on the 1/20 s grid");
        }
        for from in [1, 7, 50, 123] {
            let part = run(from);
            let first = part[0].0;
            // The first grid time at or after the start frame (two grid steps at most).
            assert!(first >= t0 + offsets[from] && first < t0 + offsets[from] + 0.1);
            let tail: Vec<_> = whole.iter().filter(|(g, _)| *g >= first).collect();
            assert_eq!(tail.len(), part.len());
            // Bit for bit: each grid frame comes from the two frames around it.
            for ((g, a), (pg, pa)) in tail.iter().zip(&part) {
                assert_eq!((g.to_bits(), a.to_bits()), (pg.to_bits(), pa.to_bits()));
            }
        }
    }

    #[test]
    fn times_beyond_the_limit_are_refused_by_position() {
        assert!(ensure_times("timestamps", &[0.0, -4.0e10, 4.0e10]).is_ok());
        let error = ensure_times("timestamps", &[0.0, 4.1e10]).unwrap_err();
        assert!(error.to_string().contains("timestamps[1]"), "{error}");
        assert!(ensure_times("timestamps", &[f64::NAN]).is_err());
    }

    #[test]
    fn configuration_is_checked() {
        assert!(UniformResampler::new(0.0, 0.5).is_err());
        assert!(UniformResampler::new(10.0, f64::NAN).is_err());
        assert!(UniformResampler::new(f64::INFINITY, 0.5).is_err());
    }

    #[test]
    fn nominal_rate_rounds_the_mean_rate() {
        let times: Vec<f64> = (0..100).map(|i| i as f64 * 0.0526).collect();
        assert_eq!(nominal_rate_hz(&times), Some(19.0));
        assert_eq!(nominal_rate_hz(&[1.0]), None);
        assert_eq!(nominal_rate_hz(&[1.0, 1.0]), None);
        assert_eq!(nominal_rate_hz(&[0.0, 10.0]), Some(1.0));
    }

    #[test]
    fn wrap_phase_range() {
        for &(x, e) in &[
            (0.0, 0.0),
            (PI, -PI),
            (-PI, -PI),
            (3.0 * PI, -PI),
            (0.5, 0.5),
            (7.0, 7.0 - 2.0 * PI),
        ] {
            assert!((wrap_phase(x) - e).abs() < 1e-12, "{x}");
        }
    }
}
