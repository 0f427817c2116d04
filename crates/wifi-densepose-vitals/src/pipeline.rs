//! `VitalsPipeline`: preprocessor → breathing and heart extractors → anomaly detector → store.

use wifi_densepose_core::CsiFrame;

use crate::anomaly::VitalAnomalyDetector;
use crate::breathing::{BreathingExtractor, BreathingMethod};
use crate::error::{Result, VitalsError};
use crate::extractor::{ensure_finite_values, ExtractorConfig};
use crate::frames::{
    ensure_finite_rows, ensure_non_negative_rows, ensure_non_negative_values, FrameSource,
};
use crate::heart::{HeartMethod, HeartRateExtractor};
use crate::preprocessor::CsiVitalPreprocessor;
use crate::resample::{
    ensure_times, ResampleStats, Resampled, UniformResampler, DEFAULT_MAX_GAP_S,
};
use crate::resonator::BandPassResonator;
use crate::store::VitalSignStore;
use crate::types::{AnomalyAlert, VitalEstimate, VitalReading};

/// Default [`VitalsConfig::restart_period_s`], seconds: the warm-up of a restarted copy of the
/// recursive stages before it is used; after it the state before the restart would weigh at
/// most 0.95^(10·fs) in the preprocessor (6·10⁻⁵ at 20 Hz) and e^(−π·0.4 Hz·10 s) ≈ 3·10⁻⁶ in
/// the breathing resonator.
pub const DEFAULT_RESTART_PERIOD_S: f64 = 10.0;

/// How long a warmed-up copy of the recursive stages is used, in warm-up periods: each copy
/// runs for `(1 + USE_PERIODS)·restart_period_s` of every `2·USE_PERIODS·restart_period_s`,
/// so finite memory costs a second copy for `1/USE_PERIODS` of the frames.
pub const USE_PERIODS: f64 = 4.0;

/// Default [`VitalsConfig::breathing_window_s`], seconds.
pub const DEFAULT_BREATHING_WINDOW_S: f64 = 30.0;

/// Every setting of a [`VitalsPipeline`]; `Default` is the ESP32 profile (56 subcarriers, 100 Hz).
#[derive(Debug, Clone, PartialEq)]
pub struct VitalsConfig {
    pub n_subcarriers: usize,
    pub sample_rate_hz: f64,
    /// Preprocessor EMA factor, clamped to [0.001, 0.999].
    pub alpha: f64,
    pub breathing_window_s: f64,
    pub heart_window_s: f64,
    pub breathing_method: BreathingMethod,
    pub heart_method: HeartMethod,
    /// Per-subcarrier breathing weights; missing ones are 1/n.
    pub breathing_weights: Option<Vec<f64>>,
    /// Seconds of data between readings.
    pub reading_interval_s: f64,
    pub anomaly_window: usize,
    pub z_threshold: f64,
    pub skip_unavailable: bool,
    pub store_capacity: usize,
    /// Added to sample_index/fs to give reading timestamps (frames without timestamps).
    pub start_time_s: f64,
    /// Frames with timestamps: the longest interval interpolated across, seconds.
    pub max_gap_s: f64,
    /// An estimate from a window not yet full is at best DEGRADED (a short window resolves
    /// the rate coarsely; on real streams the first estimates can be a few BPM off).
    pub valid_needs_full_window: bool,
    /// Finite memory: the recursive stages (the preprocessor's moving average and the two
    /// resonators) run as two copies that take turns feeding the histories for
    /// [`USE_PERIODS`]·`restart_period_s` each, on absolute multiples of the grid; a copy is
    /// restarted from scratch `restart_period_s` (its warm-up) before its turn, so a reading
    /// depends only on the last [`VitalsPipeline::memory_s`] of input. `None`: one copy that
    /// is never restarted (unbounded memory; RuView's behaviour).
    pub restart_period_s: Option<f64>,
}

impl Default for VitalsConfig {
    fn default() -> Self {
        VitalsConfig {
            n_subcarriers: 56,
            sample_rate_hz: 100.0,
            alpha: 0.05,
            breathing_window_s: DEFAULT_BREATHING_WINDOW_S,
            heart_window_s: 15.0,
            breathing_method: BreathingMethod::Spectral,
            heart_method: HeartMethod::Spectral,
            breathing_weights: None,
            reading_interval_s: 1.0,
            anomaly_window: 60,
            z_threshold: 2.5,
            skip_unavailable: true,
            store_capacity: VitalSignStore::default_capacity(),
            start_time_s: 0.0,
            max_gap_s: DEFAULT_MAX_GAP_S,
            valid_needs_full_window: false,
            restart_period_s: Some(DEFAULT_RESTART_PERIOD_S),
        }
    }
}

impl VitalsConfig {
    /// RuView's behaviour: zero-crossing breathing, integer-lag heart rate, UNAVAILABLE
    /// estimates kept in the anomaly baseline, and recursive stages never restarted.
    pub fn ruview_compatible(n_subcarriers: usize, sample_rate_hz: f64) -> Self {
        VitalsConfig {
            n_subcarriers,
            sample_rate_hz,
            breathing_method: BreathingMethod::Ruview,
            heart_method: HeartMethod::Ruview,
            skip_unavailable: false,
            restart_period_s: None,
            ..VitalsConfig::default()
        }
    }
}

/// See [`VitalsPipeline::memory_s`].
pub(crate) fn memory_s(config: &VitalsConfig) -> Option<f64> {
    let window = config.breathing_window_s.max(config.heart_window_s);
    config
        .restart_period_s
        .map(|warm_up| window + (1.0 + USE_PERIODS) * warm_up + config.max_gap_s)
}

/// The readings of one `process` call, in order, with the alerts each raised.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VitalsResult {
    frame_index: Vec<u64>,
    readings: Vec<VitalReading>,
    /// (reading position, alert)
    alerts: Vec<(usize, AnomalyAlert)>,
}

impl VitalsResult {
    pub(crate) fn record(
        &mut self,
        reading: VitalReading,
        frame_index: u64,
        alerts: &[AnomalyAlert],
    ) {
        let position = self.readings.len();
        self.alerts
            .extend(alerts.iter().map(|a| (position, a.clone())));
        self.readings.push(reading);
        self.frame_index.push(frame_index);
    }

    pub fn len(&self) -> usize {
        self.readings.len()
    }
    pub fn is_empty(&self) -> bool {
        self.readings.is_empty()
    }
    pub fn readings(&self) -> &[VitalReading] {
        &self.readings
    }
    /// The pipeline's 0-based frame counter at each reading.
    pub fn frame_index(&self) -> &[u64] {
        &self.frame_index
    }
    pub fn alerts(&self) -> &[(usize, AnomalyAlert)] {
        &self.alerts
    }

    fn column(&self, value: impl Fn(&VitalReading) -> f64) -> Vec<f64> {
        self.readings.iter().map(value).collect()
    }

    /// One field of one estimate per reading: NaN where the estimate is UNAVAILABLE.
    fn estimate_column(
        &self,
        vital: fn(&VitalReading) -> VitalEstimate,
        field: fn(&VitalEstimate) -> f64,
    ) -> Vec<f64> {
        self.column(|r| {
            let estimate = vital(r);
            if estimate.is_available() {
                field(&estimate)
            } else {
                f64::NAN
            }
        })
    }

    fn status_column(&self, vital: fn(&VitalReading) -> VitalEstimate) -> Vec<i8> {
        self.readings
            .iter()
            .map(|r| vital(r).status().code())
            .collect()
    }

    pub fn timestamp_s(&self) -> Vec<f64> {
        self.column(|r| r.timestamp_secs())
    }
    /// Breaths per minute; NaN where UNAVAILABLE.
    pub fn breathing_bpm(&self) -> Vec<f64> {
        self.estimate_column(VitalReading::respiratory_rate, VitalEstimate::value_bpm)
    }
    /// NaN where UNAVAILABLE.
    pub fn breathing_confidence(&self) -> Vec<f64> {
        self.estimate_column(VitalReading::respiratory_rate, VitalEstimate::confidence)
    }
    /// Status codes (0 VALID … 3 UNAVAILABLE).
    pub fn breathing_status(&self) -> Vec<i8> {
        self.status_column(VitalReading::respiratory_rate)
    }
    /// Beats per minute; NaN where UNAVAILABLE.
    pub fn heart_bpm(&self) -> Vec<f64> {
        self.estimate_column(VitalReading::heart_rate, VitalEstimate::value_bpm)
    }
    /// NaN where UNAVAILABLE.
    pub fn heart_confidence(&self) -> Vec<f64> {
        self.estimate_column(VitalReading::heart_rate, VitalEstimate::confidence)
    }
    /// Status codes (0 VALID … 3 UNAVAILABLE).
    pub fn heart_status(&self) -> Vec<i8> {
        self.status_column(VitalReading::heart_rate)
    }
    pub fn signal_quality(&self) -> Vec<f64> {
        self.column(|r| r.signal_quality())
    }
    /// Whether each reading's window spans a gap in timestamped input.
    pub fn spans_gap(&self) -> Vec<bool> {
        self.readings.iter().map(VitalReading::spans_gap).collect()
    }
}

/// How the frames of a pipeline are placed in time (fixed by the first frame until `reset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Clock {
    /// Frame n is at sample_index/fs: frames are evenly spaced.
    Index,
    /// Frames carry capture times and go through the resampler.
    Timestamps,
}

/// Grid frames produced by the resampler for one input frame.
#[derive(Debug, Clone, Default)]
struct GridFrames {
    times: Vec<f64>,
    amplitudes: Vec<f64>,
    phases: Vec<f64>,
}

impl GridFrames {
    fn clear(&mut self) {
        self.times.clear();
        self.amplitudes.clear();
        self.phases.clear();
    }

    fn push(&mut self, time_s: f64, amplitudes: &[f64], phases: &[f64]) {
        self.times.push(time_s);
        self.amplitudes.extend_from_slice(amplitudes);
        self.phases.extend_from_slice(phases);
    }
}

/// The recursive part of the stages: the preprocessor's moving average and the breathing and
/// heart resonators, with the grid index of its latest restart.
#[derive(Debug, Clone)]
struct Front {
    preprocessor: CsiVitalPreprocessor,
    breathing: BandPassResonator,
    heart: BandPassResonator,
    /// The restart point (a multiple of the period, in grid frames) it last restarted at.
    restarted_at: Option<f64>,
    /// The latest outputs: breathing, and heart with its fused subcarrier count.
    breathing_out: Option<f64>,
    heart_out: Option<(f64, usize)>,
}

impl Front {
    fn reset(&mut self) {
        self.preprocessor.reset();
        self.breathing.reset();
        self.heart.reset();
        self.restarted_at = None;
    }

    /// Runs one frame through the recursive stages; the fusions are the extractors'.
    fn step(
        &mut self,
        amplitudes: &[f64],
        phases: &[f64],
        weights: Option<&[f64]>,
        breathing: &BreathingExtractor,
        heart: &HeartRateExtractor,
    ) {
        self.breathing_out = None;
        self.heart_out = None;
        if let Some(residuals) = self.preprocessor.process_unchecked(amplitudes) {
            if let Some(fused) = breathing.fuse(residuals, weights) {
                self.breathing_out = Some(self.breathing.step(fused));
            }
            if let Some((fused, n)) = heart.fuse(residuals, phases) {
                self.heart_out = Some((self.heart.step(fused), n));
            }
        }
    }
}

/// The four vitals stages chained, with readings every `reading_interval_s` of data.
///
/// For one thread at a time.
#[derive(Debug, Clone)]
pub struct VitalsPipeline {
    config: VitalsConfig,
    /// Two copies with restarts (`restart_period_s`), else only the first is used.
    fronts: [Front; 2],
    /// The copy whose outputs feed the histories.
    active: usize,
    /// `restart_period_s` (the warm-up) and a turn ([`USE_PERIODS`] of them) in grid frames.
    restart_frames: Option<(f64, f64)>,
    breathing: BreathingExtractor,
    heart: HeartRateExtractor,
    detector: VitalAnomalyDetector,
    store: VitalSignStore,
    /// Frames between readings: max(1, round(reading_interval_s·fs)).
    reading_interval: u64,
    frames_processed: u64,
    last_sample_index: Option<u64>,
    last_alerts: Vec<AnomalyAlert>,
    clock: Option<Clock>,
    resampler: UniformResampler,
    grid: GridFrames,
    /// The frame counter at the first grid frame after the latest gap.
    gap_frame: Option<u64>,
}

impl VitalsPipeline {
    /// Validates the whole configuration before building the stages.
    pub fn new(config: VitalsConfig) -> Result<Self> {
        if config.n_subcarriers == 0 {
            return Err(VitalsError::config(
                "n_subcarriers must be at least 1, got 0",
            ));
        }
        VitalsError::ensure_config_positive("sample_rate_hz", config.sample_rate_hz)?;
        VitalsError::ensure_config_positive("reading_interval_s", config.reading_interval_s)?;
        if !config.start_time_s.is_finite() {
            return Err(VitalsError::config(format!(
                "start_time_s must be finite, got {}",
                config.start_time_s
            )));
        }
        if let Some(weights) = &config.breathing_weights {
            ensure_finite_values("breathing_weights", weights)?;
        }
        let fs = config.sample_rate_hz;
        let preprocessor = CsiVitalPreprocessor::new(config.n_subcarriers, config.alpha)?;
        let breathing_config = ExtractorConfig {
            n_subcarriers: config.n_subcarriers,
            sample_rate_hz: fs,
            window_secs: config.breathing_window_s,
            ..ExtractorConfig::breathing()
        };
        let breathing =
            BreathingExtractor::with_config(&breathing_config, config.breathing_method)?;
        let heart_config = ExtractorConfig {
            n_subcarriers: config.n_subcarriers,
            sample_rate_hz: fs,
            window_secs: config.heart_window_s,
            ..ExtractorConfig::heart()
        };
        let heart = HeartRateExtractor::with_config(&heart_config, config.heart_method)?;
        let detector = VitalAnomalyDetector::new(
            config.anomaly_window,
            config.z_threshold,
            config.skip_unavailable,
        )?;
        let store = VitalSignStore::new(config.store_capacity);
        let resampler = UniformResampler::new(fs, config.max_gap_s)?;
        let reading_interval = ((config.reading_interval_s * fs).round() as u64).max(1);
        let restart_frames = match config.restart_period_s {
            None => None,
            Some(period) => {
                VitalsError::ensure_config_positive("restart_period_s", period)?;
                let warm_up = (period * fs).round().max(1.0);
                Some((warm_up, warm_up * USE_PERIODS))
            }
        };
        let front = Front {
            preprocessor,
            breathing: BandPassResonator::new(breathing.filter_coefficients()),
            heart: BandPassResonator::new(heart.filter_coefficients()),
            restarted_at: None,
            breathing_out: None,
            heart_out: None,
        };
        Ok(VitalsPipeline {
            config,
            fronts: [front.clone(), front],
            active: 0,
            restart_frames,
            breathing,
            heart,
            detector,
            store,
            reading_interval,
            frames_processed: 0,
            last_sample_index: None,
            last_alerts: Vec::new(),
            clock: None,
            resampler,
            grid: GridFrames::default(),
            gap_frame: None,
        })
    }

    /// The defaults: 56 subcarriers at 100 Hz, spectral methods.
    pub fn esp32_default() -> Self {
        VitalsPipeline::new(VitalsConfig::default()).expect("the ESP32 pipeline defaults are valid")
    }

    /// See [`VitalsConfig::ruview_compatible`].
    pub fn ruview_compatible(n_subcarriers: usize, sample_rate_hz: f64) -> Result<Self> {
        VitalsPipeline::new(VitalsConfig::ruview_compatible(
            n_subcarriers,
            sample_rate_hz,
        ))
    }

    /// One frame. Rejects (with no state change) a subcarrier count other than `n_subcarriers`,
    /// a different sample rate, or a sample index that does not increase.
    pub fn push(&mut self, frame: &CsiFrame) -> Result<Option<VitalReading>> {
        self.check_columns("amplitudes", frame.n_subcarriers())?;
        self.check_sample_rate(frame.sample_rate_hz())?;
        self.check_clock(Clock::Index)?;
        if let Some(previous) = self.last_sample_index {
            if frame.sample_index() <= previous {
                return Err(VitalsError::SampleIndexNotIncreasing {
                    previous,
                    actual: frame.sample_index(),
                });
            }
        }
        Ok(self.step_indexed(frame.amplitudes(), frame.phases(), frame.sample_index()))
    }

    /// One frame of raw arrays; its sample index is the previous one + 1 (the first is 0).
    pub fn push_arrays(
        &mut self,
        amplitudes: &[f64],
        phases: &[f64],
    ) -> Result<Option<VitalReading>> {
        self.check_frame(amplitudes, phases)?;
        self.check_clock(Clock::Index)?;
        let sample_index = self.next_sample_indices(1)?;
        Ok(self.step_indexed(amplitudes, phases, sample_index))
    }

    /// One frame captured at `time_s` (seconds, any origin): resampled onto the pipeline's
    /// grid of `sample_rate_hz`, so irregular spacing does not bias the rates. A frame whose
    /// time does not increase is dropped and counted (see [`Self::resample_stats`]); an
    /// interval over `max_gap_s` is not interpolated across, and readings whose window spans
    /// it are flagged and at best DEGRADED. Returns the latest reading this frame completed.
    /// A pipeline takes timestamped frames or frames without timestamps, not both.
    pub fn push_timed(
        &mut self,
        time_s: f64,
        amplitudes: &[f64],
        phases: &[f64],
    ) -> Result<Option<VitalReading>> {
        self.check_frame(amplitudes, phases)?;
        ensure_times("time_s", &[time_s])?;
        self.check_clock(Clock::Timestamps)?;
        let mut latest = None;
        self.step_timed(time_s, amplitudes, phases, |reading, _| {
            latest = Some(reading)
        });
        Ok(latest)
    }

    /// `[time, subcarrier]` amplitudes and phases; equals one `push_arrays` per row bit for bit.
    /// The whole input is validated before any frame is processed.
    pub fn process(
        &mut self,
        amplitudes: &impl FrameSource,
        phases: &impl FrameSource,
        sample_rate_hz: Option<f64>,
    ) -> Result<VitalsResult> {
        if let Some(rate) = sample_rate_hz {
            self.check_sample_rate(rate)?;
        }
        let n_frames = self.check_batch(amplitudes, phases, None)?;
        self.check_clock(Clock::Index)?;
        let first_index = self.next_sample_indices(n_frames as u64)?;

        let mut result = VitalsResult::default();
        for frame in 0..n_frames {
            let sample_index = first_index + frame as u64;
            if let Some(reading) =
                self.step_indexed(&amplitudes.row(frame), &phases.row(frame), sample_index)
            {
                result.record(reading, self.frames_processed - 1, &self.last_alerts);
            }
        }
        Ok(result)
    }

    /// `process` for frames captured at `timestamps_s` (seconds, one per row); equals one
    /// [`Self::push_timed`] per row bit for bit. The whole input is validated first.
    pub fn process_timed(
        &mut self,
        timestamps_s: &[f64],
        amplitudes: &impl FrameSource,
        phases: &impl FrameSource,
    ) -> Result<VitalsResult> {
        self.check_batch(amplitudes, phases, Some(timestamps_s))?;
        self.check_clock(Clock::Timestamps)?;

        let mut result = VitalsResult::default();
        for (frame, &time_s) in timestamps_s.iter().enumerate() {
            self.timed_into(
                time_s,
                &amplitudes.row(frame),
                &phases.row(frame),
                &mut result,
            );
        }
        Ok(result)
    }

    /// One validated timestamped frame of the pipeline's width; its readings go to `result`.
    pub(crate) fn timed_into(
        &mut self,
        time_s: f64,
        amplitudes: &[f64],
        phases: &[f64],
        result: &mut VitalsResult,
    ) {
        self.clock = Some(Clock::Timestamps);
        self.step_timed(time_s, amplitudes, phases, |reading, pipeline| {
            result.record(
                reading,
                pipeline.frames_processed - 1,
                &pipeline.last_alerts,
            );
        });
    }

    /// Validates one frame of raw arrays (widths, then finite values).
    fn check_frame(&self, amplitudes: &[f64], phases: &[f64]) -> Result<()> {
        self.check_columns("amplitudes", amplitudes.len())?;
        self.check_columns("phases", phases.len())?;
        ensure_finite_values("amplitudes", amplitudes)?;
        ensure_non_negative_values("amplitudes", amplitudes)?;
        ensure_finite_values("phases", phases)
    }

    /// Validates a whole batch (shapes, then finite values) and returns its frame count.
    fn check_batch(
        &self,
        amplitudes: &impl FrameSource,
        phases: &impl FrameSource,
        timestamps_s: Option<&[f64]>,
    ) -> Result<usize> {
        let n_frames = amplitudes.n_frames();
        if n_frames == 0 {
            return Err(VitalsError::EmptySignal {
                field: "amplitudes".into(),
            });
        }
        self.check_columns("amplitudes", amplitudes.n_columns())?;
        self.check_columns("phases", phases.n_columns())?;
        let lengths = [
            ("phases", Some(phases.n_frames())),
            ("timestamps", timestamps_s.map(<[f64]>::len)),
        ];
        for (field, frames) in lengths {
            match frames {
                Some(frames) if frames != n_frames => {
                    return Err(VitalsError::shape(
                        field,
                        format!("{n_frames} frames (as amplitudes)"),
                        format!("{frames} frames"),
                    ));
                }
                _ => {}
            }
        }
        if let Some(times) = timestamps_s {
            ensure_times("timestamps", times)?;
        }
        ensure_finite_rows("amplitudes", amplitudes)?;
        ensure_non_negative_rows("amplitudes", amplitudes)?;
        ensure_finite_rows("phases", phases)?;
        Ok(n_frames)
    }

    /// Frames dropped (duplicate or out-of-order times), gaps and grid frames of timestamped
    /// input so far.
    pub fn resample_stats(&self) -> ResampleStats {
        self.resampler.stats()
    }

    /// Fixes the pipeline's clock at its first frame; a frame of the other kind is refused.
    fn check_clock(&mut self, clock: Clock) -> Result<()> {
        match self.clock {
            Some(current) if current != clock => Err(VitalsError::validation(
                "timestamps",
                match current {
                    Clock::Index => {
                        "this pipeline received frames without timestamps; reset() it first"
                    }
                    Clock::Timestamps => {
                        "this pipeline received timestamped frames; pass a timestamp with every \
                         frame or reset() it first"
                    }
                },
            )),
            _ => {
                self.clock = Some(clock);
                Ok(())
            }
        }
    }

    fn check_columns(&self, field: &str, actual: usize) -> Result<()> {
        if actual == self.config.n_subcarriers {
            return Ok(());
        }
        Err(VitalsError::shape(
            field,
            format!("{} subcarriers (n_subcarriers)", self.config.n_subcarriers),
            format!("{actual} subcarriers"),
        ))
    }

    /// Refuses a rate other than the pipeline's (`SampleRateMismatch`).
    pub fn check_sample_rate(&self, rate: f64) -> Result<()> {
        if rate == self.config.sample_rate_hz {
            Ok(())
        } else {
            Err(VitalsError::SampleRateMismatch {
                expected: self.config.sample_rate_hz,
                actual: rate,
            })
        }
    }

    /// The sample index of the next frame, checking that `count` more indices fit in u64.
    fn next_sample_indices(&self, count: u64) -> Result<u64> {
        let first = match self.last_sample_index {
            None => Some(0),
            Some(previous) => previous.checked_add(1),
        };
        first
            .filter(|first| first.checked_add(count - 1).is_some())
            .ok_or_else(|| {
                VitalsError::validation("sample_index", "the frame counter would overflow u64")
            })
    }

    fn step_indexed(
        &mut self,
        amplitudes: &[f64],
        phases: &[f64],
        sample_index: u64,
    ) -> Option<VitalReading> {
        let time_s = self.config.start_time_s + sample_index as f64 / self.config.sample_rate_hz;
        // Frames without timestamps: every `reading_interval` frames counted from the first.
        let due = (self.frames_processed + 1) % self.reading_interval == 0;
        self.step(
            amplitudes,
            phases,
            sample_index,
            sample_index as f64,
            time_s,
            due,
        )
    }

    /// Resamples one validated timestamped frame and runs the grid frames it completes;
    /// `on_reading` sees every reading with the pipeline after it.
    fn step_timed(
        &mut self,
        time_s: f64,
        amplitudes: &[f64],
        phases: &[f64],
        mut on_reading: impl FnMut(VitalReading, &Self),
    ) {
        // Taken out for the loop, so the stages can borrow the pipeline; put back after.
        let mut grid = std::mem::take(&mut self.grid);
        grid.clear();
        let outcome = self
            .resampler
            .push(time_s, amplitudes, phases, |t, a, p| grid.push(t, a, p));
        if outcome == (Resampled::Accepted { gap: true }) {
            self.gap_frame = Some(self.frames_processed);
        }
        let n = self.config.n_subcarriers;
        let fs = self.config.sample_rate_hz;
        let interval = self.reading_interval as f64;
        for (k, &grid_time) in grid.times.iter().enumerate() {
            let rows = k * n..(k + 1) * n;
            let sample_index = self.frames_processed;
            // Grid time k/fs: a reading at every grid index k that is a multiple of the
            // reading interval, wherever the stream began.
            let grid_index = (grid_time * fs).round();
            let due = grid_index.rem_euclid(interval) == 0.0;
            if let Some(reading) = self.step(
                &grid.amplitudes[rows.clone()],
                &grid.phases[rows],
                sample_index,
                grid_index,
                grid_time,
                due,
            ) {
                on_reading(reading, self);
            }
        }
        self.grid = grid;
    }

    /// Restarts each copy of the recursive stages at its restart points, picks the copy that
    /// feeds the histories and says which copies run, for the frame at grid index
    /// `grid_index`: with a warm-up of W frames and turns of U frames, copy j mod 2 feeds the
    /// histories during turn j = ⌊grid_index/U⌋, after a restart at j·U − W; between the end
    /// of its turn and its next restart it is idle.
    fn schedule_restarts(&mut self, grid_index: f64) -> [bool; 2] {
        let Some((warm_up, turn)) = self.restart_frames else {
            return [true, false];
        };
        let current = (grid_index / turn).floor();
        // The latest turn whose restart point j·U − W is not after this frame.
        let latest = ((grid_index + warm_up) / turn).floor();
        let mut running = [false; 2];
        for (copy, front) in self.fronts.iter_mut().enumerate() {
            let own = latest - (latest - copy as f64).rem_euclid(2.0);
            let point = own * turn - warm_up;
            running[copy] = grid_index < (own + 1.0) * turn;
            if running[copy] && front.restarted_at != Some(point) {
                front.reset();
                front.restarted_at = Some(point);
            }
        }
        self.active = current.rem_euclid(2.0) as usize;
        running
    }

    /// Runs one validated frame (grid index `grid_index`) through every stage; a reading when
    /// `due` (every `reading_interval` frames).
    fn step(
        &mut self,
        amplitudes: &[f64],
        phases: &[f64],
        sample_index: u64,
        grid_index: f64,
        time_s: f64,
        due: bool,
    ) -> Option<VitalReading> {
        let running = self.schedule_restarts(grid_index);
        let weights = self.config.breathing_weights.as_deref();
        for (front, _) in self.fronts.iter_mut().zip(running).filter(|(_, run)| *run) {
            front.step(amplitudes, phases, weights, &self.breathing, &self.heart);
        }
        let front = &self.fronts[self.active];
        if let Some(filtered) = front.breathing_out {
            self.breathing.push_filtered(filtered);
        }
        if let Some((filtered, n)) = front.heart_out {
            self.heart.push_filtered(filtered, n);
        }
        self.frames_processed += 1;
        self.last_sample_index = Some(sample_index);
        if !due {
            return None;
        }
        let rr = self.breathing.estimate();
        let hr = self.heart.estimate();
        if rr.is_none() && hr.is_none() {
            return None;
        }
        let mut rr = rr.unwrap_or_else(VitalEstimate::unavailable);
        let mut hr = hr.unwrap_or_else(VitalEstimate::unavailable);
        // Grid frames since the latest gap: a window holding more samples reaches before it.
        let since_gap = self.gap_frame.map(|g| self.frames_processed - g);
        let spans = |history: usize| since_gap.is_some_and(|n| n < history as u64);
        let breathing_spans = spans(self.breathing.history_len());
        let heart_spans = spans(self.heart.history_len());
        let short =
            |len: usize, capacity: usize| self.config.valid_needs_full_window && len < capacity;
        if breathing_spans || short(self.breathing.history_len(), self.breathing.capacity()) {
            rr = rr.at_best_degraded();
        }
        if heart_spans || short(self.heart.history_len(), self.heart.capacity()) {
            hr = hr.at_best_degraded();
        }
        let reading = VitalReading::from_parts(
            rr,
            hr,
            self.config.n_subcarriers,
            (rr.confidence() + hr.confidence()) / 2.0,
            time_s,
        )
        .with_spans_gap(breathing_spans || heart_spans);
        self.last_alerts = self.detector.check(&reading);
        self.store.push(reading);
        Some(reading)
    }

    /// Back to the freshly constructed state.
    pub fn reset(&mut self) {
        for front in &mut self.fronts {
            front.reset();
        }
        self.active = 0;
        self.breathing.reset();
        self.heart.reset();
        self.detector.reset();
        self.store.clear();
        self.frames_processed = 0;
        self.last_sample_index = None;
        self.last_alerts.clear();
        self.clock = None;
        self.resampler.reset();
        self.gap_frame = None;
    }

    pub fn config(&self) -> &VitalsConfig {
        &self.config
    }
    pub fn frames_processed(&self) -> u64 {
        self.frames_processed
    }
    pub fn last_sample_index(&self) -> Option<u64> {
        self.last_sample_index
    }
    /// The alerts of the latest reading.
    pub fn last_alerts(&self) -> &[AnomalyAlert] {
        &self.last_alerts
    }
    pub fn reading_interval_frames(&self) -> u64 {
        self.reading_interval
    }
    pub fn store(&self) -> &VitalSignStore {
        &self.store
    }
    pub fn detector(&self) -> &VitalAnomalyDetector {
        &self.detector
    }
    /// The preprocessor whose residuals feed the histories.
    pub fn preprocessor(&self) -> &CsiVitalPreprocessor {
        &self.fronts[self.active].preprocessor
    }

    /// Seconds of input a reading depends on: the breathing or heart window (the longer),
    /// plus a warm-up and a turn (the used copy of the recursive stages restarted at most that
    /// long before the window's first sample), plus `max_gap_s` (the frame before a grid
    /// time); `None` without restarts (unbounded). A stream started this long before a
    /// reading gives exactly the reading of the stream started earlier.
    pub fn memory_s(&self) -> Option<f64> {
        memory_s(&self.config)
    }
    pub fn breathing(&self) -> &BreathingExtractor {
        &self.breathing
    }
    pub fn heart(&self) -> &HeartRateExtractor {
        &self.heart
    }
}
