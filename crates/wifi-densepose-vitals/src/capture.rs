//! `CaptureVitals`: vitals from one sensor's real capture stream — timestamped frames of
//! mixed layouts with null subcarriers — without telling it the rate or the layout.
//!
//! The first `warmup_frames` frames fix three things, then every frame (those included) goes
//! through a [`VitalsPipeline`] on timestamps:
//! - the block of leading bins all layouts share (the narrowest layout seen; an ESP32 sends
//!   64-, 128- and 192-bin frames that all begin with the same 64-bin L-LTF block), so every
//!   frame is used, not only the most frequent layout;
//! - the null bins: block bins whose amplitude never changes over the warm-up (the DC and
//!   guard subcarriers are always zero), left out of the estimators;
//! - the grid rate: the warm-up frames' mean rate rounded to a whole Hz. It is not revised
//!   later: the resampler absorbs drift, so a drifting rate never restarts the pipeline.
//!
//! The layouts' shared block is the same channel measured at slightly different levels (on a
//! real capture the 128-bin frames' block runs 2–5 % above the 64-bin frames'), and a step of
//! a few percent on one frame in four would swamp a heartbeat. So each layout's block is
//! scaled, bin by bin, to the level of the most frequent layout. A layout's level is the mean
//! of its frames in the current second of the timestamp axis and the [`LEVEL_WINDOW_S`]
//! whole seconds before it (seconds `[k, k+1)` from timestamp 0), long against a breath, so
//! the modulation passes through unchanged, and finite: frames more than
//! `LEVEL_WINDOW_S + 1` s old no longer count.
//!
//! Finite memory: after the warm-up, a reading at time t depends only on the frames in
//! [t − [`CaptureVitals::memory_s`], t] ([`DEFAULT_MEMORY_S`] with the default settings) and
//! sits on the absolute grid (see [`VitalsPipeline::memory_s`]), so a stream started at any
//! frame that long before t gives exactly the reading of the whole stream, provided its
//! warm-up fixes the same layout (block, null bins, grid rate and reference layout: the
//! same on any stretch of a steady stream).

use std::collections::BTreeMap;

use wifi_densepose_core::utils::ColumnRange;

use crate::error::{Result, VitalsError};
use crate::extractor::ensure_finite_values;
use crate::pipeline::{VitalsConfig, VitalsPipeline, VitalsResult};
use crate::resample::{ensure_times, nominal_rate_hz};
use crate::types::VitalReading;

/// Frames observed before the block, null bins and grid rate are fixed (about 3 s of an
/// ESP32 stream).
pub const DEFAULT_WARMUP_FRAMES: usize = 64;

/// Whole seconds of frames (before the current second) the per-layout level is the mean of.
/// Chosen by measurement: on the semi-synthetic study of `tests/esp32_stream.py` 60 s gives
/// the accuracy of the 30 s moving average it replaced (30 s: breathing p90 error 0.69 BPM
/// instead of 0.68).
pub const LEVEL_WINDOW_S: u32 = 60;

/// [`CaptureVitals::memory_s`] of the default settings, 141.5 s: the pipeline's 80.5 s (the
/// 30 s breathing window, a 10 s warm-up and a 40 s turn of the recursive stages, and the 0.5 s
/// gap) plus the 60 s level window and the current second.
pub const DEFAULT_MEMORY_S: f64 = crate::pipeline::DEFAULT_BREATHING_WINDOW_S
    + (1.0 + crate::pipeline::USE_PERIODS) * crate::pipeline::DEFAULT_RESTART_PERIOD_S
    + crate::resample::DEFAULT_MAX_GAP_S
    + LEVEL_WINDOW_S as f64
    + 1.0;

/// Settings of a [`CaptureVitals`].
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureConfig {
    /// Pipeline settings; `n_subcarriers` and `sample_rate_hz` are replaced by the block's
    /// active bins and the grid rate.
    pub vitals: VitalsConfig,
    pub warmup_frames: usize,
    /// Bins of the shared block; `None`: the narrowest layout of the warm-up.
    pub block_bins: Option<usize>,
    /// Grid rate, Hz; `None`: the warm-up's mean frame rate rounded to a whole Hz.
    pub sample_rate_hz: Option<f64>,
}

impl Default for CaptureConfig {
    /// The pipeline defaults, except that an estimate is VALID only from a full window.
    fn default() -> Self {
        CaptureConfig {
            vitals: VitalsConfig {
                valid_needs_full_window: true,
                ..VitalsConfig::default()
            },
            warmup_frames: DEFAULT_WARMUP_FRAMES,
            block_bins: None,
            sample_rate_hz: None,
        }
    }
}

/// What the warm-up fixed.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureLayout {
    /// Leading bins of every frame that are used.
    pub block_bins: usize,
    /// Block bins fed to the estimators, ascending.
    pub active_bins: Vec<usize>,
    /// Block bins left out because they never changed during the warm-up, ascending.
    pub null_bins: Vec<usize>,
    /// The pipeline's grid rate, Hz.
    pub sample_rate_hz: f64,
    /// The layout (bins) whose level the others are scaled to: the warm-up's most frequent.
    pub reference_bins: usize,
}

/// One second `[index, index + 1)` s of one layout's frames: per-bin sums and the count.
#[derive(Debug, Clone)]
struct LevelBlock {
    index: f64,
    sums: Vec<f64>,
    frames: u32,
}

/// One layout's level: its blocks of the last [`LEVEL_WINDOW_S`] seconds plus the current one
/// (oldest first), and the sums of the whole seconds for one current second.
#[derive(Debug, Clone, Default)]
struct LayoutLevel {
    blocks: std::collections::VecDeque<LevelBlock>,
    /// Per-bin sums and frame count of the whole seconds before `whole_of`.
    whole: Vec<f64>,
    whole_frames: u32,
    whole_of: Option<f64>,
    level: Vec<f64>,
}

impl LayoutLevel {
    /// Adds one frame's active bins to the block of its second.
    fn add(&mut self, time_s: f64, amplitudes: &[f64]) {
        let index = time_s.floor();
        let block = match self.blocks.iter().position(|b| b.index == index) {
            Some(i) => &mut self.blocks[i],
            None if self.blocks.back().is_none_or(|b| b.index < index) => {
                self.blocks.push_back(LevelBlock {
                    index,
                    sums: vec![0.0; amplitudes.len()],
                    frames: 0,
                });
                let oldest = index - f64::from(LEVEL_WINDOW_S);
                while self.blocks.front().is_some_and(|b| b.index < oldest) {
                    self.blocks.pop_front();
                }
                self.blocks.back_mut().expect("just pushed")
            }
            // An older second no longer (or never) held: not counted.
            None => return,
        };
        for (sum, &a) in block.sums.iter_mut().zip(amplitudes) {
            *sum += a;
        }
        block.frames += 1;
        if index < self.whole_of.unwrap_or(f64::INFINITY) {
            // A late frame of a whole second: the sums are redone.
            self.whole_of = None;
        }
    }

    /// The level at `time_s`: the mean of the frames of the current second and the
    /// [`LEVEL_WINDOW_S`] whole seconds before it; `None` without any.
    fn level_at(&mut self, time_s: f64) -> Option<&[f64]> {
        let current = time_s.floor();
        if self.whole_of != Some(current) {
            // Once a second, in a fixed order: the same sums whatever came before the window.
            self.whole.clear();
            self.whole_frames = 0;
            let oldest = current - f64::from(LEVEL_WINDOW_S);
            for block in self
                .blocks
                .iter()
                .filter(|b| b.index >= oldest && b.index < current)
            {
                self.whole.resize(block.sums.len(), 0.0);
                for (whole, &sum) in self.whole.iter_mut().zip(&block.sums) {
                    *whole += sum;
                }
                self.whole_frames += block.frames;
            }
            self.whole_of = Some(current);
        }
        let now = self.blocks.back().filter(|b| b.index == current);
        let frames = self.whole_frames + now.map_or(0, |b| b.frames);
        if frames == 0 {
            return None;
        }
        self.level.clear();
        match now {
            Some(block) if self.whole.is_empty() => self.level.extend_from_slice(&block.sums),
            Some(block) => self
                .level
                .extend(self.whole.iter().zip(&block.sums).map(|(w, s)| w + s)),
            None => self.level.extend_from_slice(&self.whole),
        }
        for level in &mut self.level {
            *level /= f64::from(frames);
        }
        Some(&self.level)
    }
}

/// Frame counts of a [`CaptureVitals`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CaptureStats {
    /// Frames given.
    pub frames: u64,
    /// Frames with fewer bins than the block, not used.
    pub narrow: u64,
}

#[derive(Debug, Clone)]
struct WarmupFrame {
    time_s: f64,
    amplitudes: Vec<f64>,
    phases: Vec<f64>,
}

#[derive(Debug, Clone)]
enum State {
    WarmingUp(Vec<WarmupFrame>),
    Running {
        pipeline: Box<VitalsPipeline>,
        layout: CaptureLayout,
        levels: BTreeMap<usize, LayoutLevel>,
    },
    /// The warm-up showed a stream the pipeline cannot take (the reason).
    Disabled(String),
}

/// Vitals of one sensor's capture stream; see the module documentation.
///
/// For one thread at a time.
#[derive(Debug, Clone)]
pub struct CaptureVitals {
    config: CaptureConfig,
    state: State,
    stats: CaptureStats,
    amplitudes: Vec<f64>,
    phases: Vec<f64>,
    /// The reference layout's level for the frame being scaled.
    reference_level: Vec<f64>,
}

/// Warm-up frames reserved up front; a longer warm-up grows as frames arrive.
const WARMUP_RESERVE: usize = 256;

impl CaptureVitals {
    /// Checks what can be checked before the stream is seen (the pipeline settings with a
    /// placeholder width and rate, a warm-up of at least 2 frames, a block of at least 1 bin).
    pub fn new(config: CaptureConfig) -> Result<Self> {
        if config.warmup_frames < 2 {
            return Err(VitalsError::config(format!(
                "warmup_frames must be at least 2, got {}",
                config.warmup_frames
            )));
        }
        if config.block_bins == Some(0) {
            return Err(VitalsError::config("block_bins must be at least 1, got 0"));
        }
        wifi_densepose_core::validate::ensure_size(
            "warmup_frames",
            config.warmup_frames,
            2,
            wifi_densepose_core::validate::MAX_LENGTH,
        )?;
        VitalsPipeline::new(VitalsConfig {
            n_subcarriers: config.block_bins.unwrap_or(1),
            sample_rate_hz: config
                .sample_rate_hz
                .unwrap_or(config.vitals.sample_rate_hz),
            ..config.vitals.clone()
        })?;
        let warmup = Vec::with_capacity(config.warmup_frames.min(WARMUP_RESERVE));
        Ok(CaptureVitals {
            config,
            state: State::WarmingUp(warmup),
            stats: CaptureStats::default(),
            amplitudes: Vec::new(),
            phases: Vec::new(),
            reference_level: Vec::new(),
        })
    }

    /// One frame of any width captured at `time_s` (seconds); returns the latest reading it
    /// completed. Amplitudes and phases (radians) must have the same length and be finite.
    pub fn push(
        &mut self,
        time_s: f64,
        amplitudes: &[f64],
        phases: &[f64],
    ) -> Result<Option<VitalReading>> {
        let mut result = VitalsResult::default();
        self.push_into(time_s, amplitudes, phases, &mut result)?;
        Ok(result.readings().last().copied())
    }

    /// `push` with every reading appended to `result` (a batch is a loop of these).
    pub fn push_into(
        &mut self,
        time_s: f64,
        amplitudes: &[f64],
        phases: &[f64],
        result: &mut VitalsResult,
    ) -> Result<()> {
        if phases.len() != amplitudes.len() {
            return Err(VitalsError::shape(
                "phases",
                format!("{} values (as amplitudes)", amplitudes.len()),
                phases.len(),
            ));
        }
        ensure_times("time_s", &[time_s])?;
        ensure_finite_values("amplitudes", amplitudes)?;
        crate::frames::ensure_non_negative_values("amplitudes", amplitudes)?;
        ensure_finite_values("phases", phases)?;
        self.stats.frames += 1;
        match &mut self.state {
            State::WarmingUp(frames) => {
                frames.push(WarmupFrame {
                    time_s,
                    amplitudes: amplitudes.to_vec(),
                    phases: phases.to_vec(),
                });
                if frames.len() >= self.config.warmup_frames {
                    let frames = std::mem::take(frames);
                    self.start(&frames, result);
                }
            }
            State::Running { .. } => self.feed(time_s, amplitudes, phases, result),
            State::Disabled(_) => {}
        }
        Ok(())
    }

    /// Fixes the layout from the warm-up frames, builds the pipeline and feeds them to it.
    fn start(&mut self, frames: &[WarmupFrame], result: &mut VitalsResult) {
        match self.layout_of(frames).and_then(|layout| {
            let config = VitalsConfig {
                n_subcarriers: layout.active_bins.len(),
                sample_rate_hz: layout.sample_rate_hz,
                ..self.config.vitals.clone()
            };
            Ok((VitalsPipeline::new(config)?, layout))
        }) {
            Ok((pipeline, layout)) => {
                self.state = State::Running {
                    pipeline: Box::new(pipeline),
                    layout,
                    levels: BTreeMap::new(),
                };
                for frame in frames {
                    self.feed(frame.time_s, &frame.amplitudes, &frame.phases, result);
                }
            }
            Err(error) => self.state = State::Disabled(error.to_string()),
        }
    }

    fn layout_of(&self, frames: &[WarmupFrame]) -> Result<CaptureLayout> {
        let narrowest = frames.iter().map(|f| f.amplitudes.len()).min().unwrap_or(0);
        let block_bins = self.config.block_bins.unwrap_or(narrowest);
        let mut range = ColumnRange::default();
        let mut times = Vec::with_capacity(frames.len());
        for frame in frames.iter().filter(|f| f.amplitudes.len() >= block_bins) {
            range.observe(&frame.amplitudes[..block_bins]);
            // Strictly increasing times only: duplicates would inflate the rate.
            if times.last().is_none_or(|&last| frame.time_s > last) {
                times.push(frame.time_s);
            }
        }
        if block_bins == 0 || range.rows() < 2 {
            return Err(VitalsError::validation(
                "amplitudes",
                format!(
                    "the warm-up has fewer than 2 frames of at least {block_bins} bins with bins \
                     to use"
                ),
            ));
        }
        let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
        for frame in frames.iter().filter(|f| f.amplitudes.len() >= block_bins) {
            *counts.entry(frame.amplitudes.len()).or_default() += 1;
        }
        // Most frequent; the narrower on a tie (BTreeMap order and max_by_key's last maximum).
        let reference_bins = counts
            .iter()
            .rev()
            .max_by_key(|(_, &n)| n)
            .map_or(block_bins, |(&w, _)| w);
        let null_bins = range.constant_columns();
        let active_bins: Vec<usize> = (0..block_bins).filter(|b| !null_bins.contains(b)).collect();
        if active_bins.is_empty() {
            return Err(VitalsError::validation(
                "amplitudes",
                format!("all {block_bins} bins were constant during the warm-up"),
            ));
        }
        let sample_rate_hz = match self.config.sample_rate_hz {
            Some(rate) => rate,
            None => nominal_rate_hz(&times).ok_or_else(|| {
                VitalsError::validation("time_s", "the warm-up frames span no time")
            })?,
        };
        Ok(CaptureLayout {
            block_bins,
            active_bins,
            null_bins,
            sample_rate_hz,
            reference_bins,
        })
    }

    /// The active bins of one frame into the pipeline; narrower frames are counted.
    fn feed(&mut self, time_s: f64, amplitudes: &[f64], phases: &[f64], result: &mut VitalsResult) {
        let State::Running {
            pipeline,
            layout,
            levels,
        } = &mut self.state
        else {
            return;
        };
        if amplitudes.len() < layout.block_bins {
            self.stats.narrow += 1;
            return;
        }
        self.amplitudes.clear();
        self.amplitudes
            .extend(layout.active_bins.iter().map(|&b| amplitudes[b]));
        let width = amplitudes.len();
        levels
            .entry(width)
            .or_default()
            .add(time_s, &self.amplitudes);
        if width != layout.reference_bins {
            self.reference_level.clear();
            let reference = levels
                .get_mut(&layout.reference_bins)
                .and_then(|l| l.level_at(time_s));
            if let Some(reference) = reference {
                self.reference_level.extend_from_slice(reference);
            }
            let own = levels.get_mut(&width).and_then(|l| l.level_at(time_s));
            if let (Some(own), false) = (own, self.reference_level.is_empty()) {
                for ((a, &own), &reference) in self
                    .amplitudes
                    .iter_mut()
                    .zip(own)
                    .zip(&self.reference_level)
                {
                    if own > 0.0 {
                        *a *= reference / own;
                    }
                }
            }
        }
        self.phases.clear();
        self.phases
            .extend(layout.active_bins.iter().map(|&b| phases[b]));
        pipeline.timed_into(time_s, &self.amplitudes, &self.phases, result);
    }

    /// Seconds of frames a reading depends on (see the module documentation): the pipeline's
    /// [`VitalsPipeline::memory_s`] plus the level window and the current second; `None`
    /// when the pipeline's recursive stages are never restarted.
    pub fn memory_s(&self) -> Option<f64> {
        crate::pipeline::memory_s(&self.config.vitals)
            .map(|memory| memory + f64::from(LEVEL_WINDOW_S) + 1.0)
    }

    /// What the warm-up fixed; `None` while warming up or when disabled.
    pub fn layout(&self) -> Option<&CaptureLayout> {
        match &self.state {
            State::Running { layout, .. } => Some(layout),
            _ => None,
        }
    }

    /// The pipeline, once running.
    pub fn pipeline(&self) -> Option<&VitalsPipeline> {
        match &self.state {
            State::Running { pipeline, .. } => Some(pipeline),
            _ => None,
        }
    }

    /// Why the stream cannot give vitals (e.g. a grid rate too low for the heart band).
    pub fn disabled_reason(&self) -> Option<&str> {
        match &self.state {
            State::Disabled(reason) => Some(reason),
            _ => None,
        }
    }

    pub fn stats(&self) -> CaptureStats {
        self.stats
    }

    pub fn config(&self) -> &CaptureConfig {
        &self.config
    }

    /// Back to the freshly constructed state.
    pub fn reset(&mut self) {
        self.state = State::WarmingUp(Vec::with_capacity(
            self.config.warmup_frames.min(WARMUP_RESERVE),
        ));
        self.stats = CaptureStats::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// A 64-bin frame (bins 0 and 27–37 zero) modulated by `m`; every fourth frame is
    /// 128 bins wide, the first 64 the same block.
    fn frame(i: usize, m: f64) -> (Vec<f64>, Vec<f64>) {
        let width = if i % 4 == 3 { 128 } else { 64 };
        let amplitudes: Vec<f64> = (0..width)
            .map(|b| {
                let b64 = b % 64;
                if b64 == 0 || (27..=37).contains(&b64) {
                    0.0
                } else {
                    10.0 + (0.2 * b as f64).sin() + m
                }
            })
            .collect();
        let phases = (0..width).map(|b| 0.1 * b as f64).collect();
        (amplitudes, phases)
    }

    #[test]
    fn warmup_fixes_block_null_bins_and_rate_and_every_layout_is_used() {
        let mut capture = CaptureVitals::new(CaptureConfig::default()).unwrap();
        // Irregular times averaging 20 Hz; 15 BPM breathing and 72 BPM heartbeat.
        let mut t = 0.0;
        let mut last = None;
        for i in 0..1200 {
            t += if i % 3 == 0 { 0.02 } else { 0.065 };
            let m = 0.5 * (2.0 * PI * 0.25 * t).sin() + 0.1 * (2.0 * PI * 1.2 * t).sin();
            let (a, p) = frame(i, m);
            if let Some(r) = capture.push(t, &a, &p).unwrap() {
                last = Some(r);
            }
        }
        let layout = capture.layout().unwrap();
        assert_eq!(layout.block_bins, 64);
        let mut expected_null = vec![0];
        expected_null.extend(27..=37);
        assert_eq!(layout.null_bins, expected_null);
        assert_eq!(layout.active_bins.len(), 52);
        // 1200 frames over 0.05 s mean spacing: 20 Hz.
        assert_eq!(layout.sample_rate_hz, 20.0);
        assert_eq!(
            capture.stats(),
            CaptureStats {
                frames: 1200,
                narrow: 0
            }
        );
        let reading = last.unwrap();
        let rr = reading.respiratory_rate().value_bpm();
        let hr = reading.heart_rate().value_bpm();
        assert!((rr - 15.0).abs() < 0.3, "breathing {rr}");
        assert!((hr - 72.0).abs() < 1.0, "heart {hr}");
        assert!(!reading.spans_gap());
    }

    #[test]
    fn streaming_equals_batch_and_narrow_frames_are_counted() {
        let config = CaptureConfig {
            block_bins: Some(128),
            ..CaptureConfig::default()
        };
        let mut batch = CaptureVitals::new(config.clone()).unwrap();
        let mut streaming = CaptureVitals::new(config).unwrap();
        let mut result = VitalsResult::default();
        let mut readings = Vec::new();
        for i in 0..2000 {
            let t = i as f64 * 0.05;
            let (a, p) = frame(i, 0.5 * (2.0 * PI * 0.3 * t).sin());
            batch.push_into(t, &a, &p, &mut result).unwrap();
            readings.extend(streaming.push(t, &a, &p).unwrap());
        }
        assert!(!readings.is_empty());
        assert_eq!(result.readings(), readings.as_slice());
        // Only the 500 frames 128 bins wide are used; they come every 0.2 s: 5 Hz.
        assert_eq!(
            batch.stats(),
            CaptureStats {
                frames: 2000,
                narrow: 1500
            }
        );
        let layout = batch.layout().unwrap();
        assert_eq!((layout.block_bins, layout.sample_rate_hz), (128, 5.0));
        assert_eq!(layout.null_bins.len(), 12 + 12);
    }

    /// 300 s of irregular frames (mean 20 Hz, 64- and 128-bin layouts interleaved, the
    /// 128-bin block 3 % higher, noise) from Unix time `t0`, with 4 s missing after 100 s.
    fn long_stream(t0: f64) -> Vec<(f64, Vec<f64>, Vec<f64>)> {
        let mut frames = Vec::new();
        let mut t = t0;
        let mut x: u64 = 7;
        for i in 0..7000 {
            t += if i % 3 == 0 { 0.02 } else { 0.065 };
            if (t - t0 - 122.0).abs() < 2.0 {
                continue;
            }
            let s = t - t0;
            let m = 0.5 * (2.0 * PI * 0.25 * s).sin() + 0.1 * (2.0 * PI * 1.2 * s).sin();
            let (mut a, p) = frame(i, m);
            let scale = if a.len() == 128 { 1.03 } else { 1.0 };
            for v in a.iter_mut().filter(|v| **v > 0.0) {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                *v = (*v + ((x >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.3) * scale;
            }
            frames.push((t, a, p));
        }
        frames
    }

    fn run(frames: &[(f64, Vec<f64>, Vec<f64>)]) -> VitalsResult {
        let mut capture = CaptureVitals::new(CaptureConfig::default()).unwrap();
        let mut result = VitalsResult::default();
        for (t, a, p) in frames {
            capture.push_into(*t, a, p, &mut result).unwrap();
        }
        result
    }

    /// The readings at or after `from_s`, as bits.
    fn bits_from(result: &VitalsResult, from_s: f64) -> Vec<[u64; 7]> {
        result
            .readings()
            .iter()
            .filter(|r| r.timestamp_secs() >= from_s)
            .map(|r| {
                let (rr, hr) = (r.respiratory_rate(), r.heart_rate());
                [
                    r.timestamp_secs().to_bits(),
                    rr.value_bpm().to_bits(),
                    rr.confidence().to_bits(),
                    u64::from(rr.status().code() as u8),
                    hr.value_bpm().to_bits(),
                    hr.confidence().to_bits(),
                    u64::from(hr.status().code() as u8) << 8 | u64::from(r.spans_gap()),
                ]
            })
            .collect()
    }

    #[test]
    fn a_stream_restarted_memory_s_early_gives_the_whole_streams_readings_bit_for_bit() {
        let t0 = 1_775_000_000.123;
        let frames = long_stream(t0);
        let whole = run(&frames);
        let memory = CaptureVitals::new(CaptureConfig::default())
            .unwrap()
            .memory_s()
            .unwrap();
        assert_eq!(memory, DEFAULT_MEMORY_S);
        assert_eq!(DEFAULT_MEMORY_S, 30.0 + 10.0 + 40.0 + 0.5 + 60.0 + 1.0);
        // Readings on whole seconds of the timestamp axis (20 Hz grid, 1 s interval).
        assert!(whole
            .timestamp_s()
            .iter()
            .all(|t| *t == t.round() && *t >= t0));
        // Restart points at arbitrary instants: the gap (120-124 s) inside the window of the
        // first readings (145 s), inside the pre-roll, and at its start (264 s: the restarted
        // stream begins right after the gap).
        let mut shorter_differs = 0;
        for start in [145.0, 170.77, 191.0, 264.0, 284.5] {
            let begin = t0 + start;
            let from = frames.iter().position(|f| f.0 >= begin - memory).unwrap();
            let part = run(&frames[from..]);
            let expected = bits_from(&whole, begin);
            assert!(
                from > 0 && expected.len() > 40,
                "{start}: {}",
                expected.len()
            );
            assert_eq!(bits_from(&part, begin), expected, "restarted for {start} s");
            // The whole stream's readings spanning the gap are among them.
            if start < 150.0 {
                assert!(whole
                    .readings()
                    .iter()
                    .any(|r| r.timestamp_secs() >= begin && r.spans_gap()));
            }
            // With 30 s less of the stream before `begin` some of them differ: the memory is
            // needed (how much of it a reading uses depends on where the recursive stages'
            // turns fall).
            let late = frames
                .iter()
                .position(|f| f.0 >= begin - memory + 30.0)
                .unwrap();
            if bits_from(&run(&frames[late..]), begin) != expected {
                shorter_differs += 1;
            }
        }
        assert!(shorter_differs >= 2, "{shorter_differs} of 5 differ");
    }

    #[test]
    fn a_stream_too_slow_for_the_heart_band_is_disabled_with_a_reason() {
        let mut capture = CaptureVitals::new(CaptureConfig::default()).unwrap();
        for i in 0..64 {
            let (a, p) = frame(0, (i as f64).sin());
            capture.push(i as f64 * 0.5, &a, &p).unwrap();
        }
        assert!(capture.layout().is_none());
        let reason = capture.disabled_reason().unwrap();
        assert!(reason.contains("Hz"), "{reason}");
    }

    #[test]
    fn bad_frames_are_refused_without_a_state_change() {
        let mut capture = CaptureVitals::new(CaptureConfig::default()).unwrap();
        assert!(capture.push(f64::NAN, &[1.0], &[0.0]).is_err());
        assert!(capture.push(0.0, &[1.0, 2.0], &[0.0]).is_err());
        assert!(capture.push(0.0, &[f64::INFINITY], &[0.0]).is_err());
        assert_eq!(capture.stats().frames, 0);
        assert!(CaptureVitals::new(CaptureConfig {
            warmup_frames: 1,
            ..CaptureConfig::default()
        })
        .is_err());
    }
}
