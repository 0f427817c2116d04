//! `FeatureExtractor`: amplitude, phase, correlation, PSD and Doppler features of `[A, S]` frames.

use std::sync::Arc;

use ndarray::{Array1, Array2, Array3, ArrayView2, ArrayView3, Axis};
use num_complex::Complex64;
use rayon::prelude::*;
use rustfft::{Fft, FftPlanner};
use wifi_densepose_core::validate::ensure_positive;
use wifi_densepose_core::Timestamp;

use crate::csi_data::{ensure_finite_stream, CsiData};
use crate::error::{SignalError, SignalResult};
use crate::stats::{mean, pair_moments, var_pop, PairMoments};

/// Configuration of a [`FeatureExtractor`].
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureExtractorConfig {
    /// PSD length N (≥ 1).
    pub fft_size: usize,
    /// Frame rate in Hz used for Doppler shifts (> 0).
    pub sampling_rate: f64,
    /// Fewest history frames for a Doppler estimate (≥ 2).
    pub min_doppler_history: usize,
    pub enable_doppler: bool,
}

impl Default for FeatureExtractorConfig {
    fn default() -> Self {
        FeatureExtractorConfig {
            fft_size: 128,
            sampling_rate: 1000.0,
            min_doppler_history: 10,
            enable_doppler: true,
        }
    }
}

impl FeatureExtractorConfig {
    pub fn validate(&self) -> SignalResult<()> {
        if self.fft_size == 0 {
            return Err(SignalError::config("fft_size must be >= 1, got 0"));
        }
        wifi_densepose_core::validate::ensure_size(
            "fft_size",
            self.fft_size,
            1,
            wifi_densepose_core::validate::MAX_LENGTH,
        )?;
        ensure_positive("sampling_rate", self.sampling_rate)
            .map_err(|e| SignalError::config(e.to_string()))?;
        if self.min_doppler_history < 2 {
            return Err(SignalError::config(format!(
                "min_doppler_history must be >= 2, got {}",
                self.min_doppler_history
            )));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AmplitudeFeatures {
    /// Per-subcarrier mean across antennas.
    pub mean: Array1<f64>,
    /// Per-subcarrier population variance across antennas.
    pub variance: Array1<f64>,
    pub peak: f64,
    pub rms: f64,
    pub dynamic_range: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PhaseFeatures {
    /// Antenna-mean of φ[i, j+1] − φ[i, j] (S − 1 values), radians.
    pub difference: Array1<f64>,
    /// Per-subcarrier population variance across antennas.
    pub variance: Array1<f64>,
    /// First difference of `difference`; `[0.0]` when S < 3.
    pub gradient: Array1<f64>,
    /// Mean Pearson correlation between phase rows.
    pub coherence: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationFeatures {
    /// Pearson correlation between amplitude rows, `[A, A]`, unit diagonal.
    pub matrix: Array2<f64>,
    pub mean_correlation: f64,
    pub max_correlation: f64,
    pub correlation_spread: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PsdFeatures {
    /// |X_k|²/N for k = 0…N−1.
    pub values: Array1<f64>,
    /// Bin frequencies in Hz (negative above N/2).
    pub frequencies: Array1<f64>,
    pub total_power: f64,
    pub peak_power: f64,
    pub peak_frequency: f64,
    pub centroid: f64,
    pub bandwidth: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DopplerFeatures {
    /// Per-subcarrier Doppler shift in Hz.
    pub shifts: Array1<f64>,
    pub peak_frequency: f64,
    pub mean_magnitude: f64,
    pub spread: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeatureMetadata {
    pub num_antennas: usize,
    pub num_subcarriers: usize,
    pub fft_size: usize,
    pub sampling_rate: Option<f64>,
    pub doppler_samples: Option<usize>,
}

/// All features of one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct CsiFeatures {
    pub amplitude: AmplitudeFeatures,
    pub phase: PhaseFeatures,
    pub correlation: CorrelationFeatures,
    pub psd: PsdFeatures,
    pub doppler: Option<DopplerFeatures>,
    pub timestamp: Option<Timestamp>,
    pub metadata: FeatureMetadata,
}

/// Features of T frames stacked along the first axis.
#[derive(Debug, Clone, PartialEq)]
pub struct CsiFeatureBatch {
    pub amplitude_mean: Array2<f64>,
    pub amplitude_variance: Array2<f64>,
    pub amplitude_peak: Array1<f64>,
    pub amplitude_rms: Array1<f64>,
    pub amplitude_dynamic_range: Array1<f64>,
    pub phase_difference: Array2<f64>,
    pub phase_variance: Array2<f64>,
    pub phase_gradient: Array2<f64>,
    pub phase_coherence: Array1<f64>,
    pub correlation_matrix: Array3<f64>,
    pub mean_correlation: Array1<f64>,
    pub max_correlation: Array1<f64>,
    pub correlation_spread: Array1<f64>,
    pub psd_values: Array2<f64>,
    /// The same for every frame.
    pub psd_frequencies: Array1<f64>,
    pub psd_total_power: Array1<f64>,
    pub psd_peak_power: Array1<f64>,
    pub psd_peak_frequency: Array1<f64>,
    pub psd_centroid: Array1<f64>,
    pub psd_bandwidth: Array1<f64>,
    /// Present when a Doppler window was given; NaN rows where too few frames were available.
    pub doppler: Option<DopplerBatch>,
    pub num_antennas: usize,
    pub fft_size: usize,
    pub sampling_rate: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DopplerBatch {
    pub shifts: Array2<f64>,
    pub peak_frequency: Array1<f64>,
    pub mean_magnitude: Array1<f64>,
    pub spread: Array1<f64>,
    pub window: usize,
}

impl CsiFeatureBatch {
    pub fn len(&self) -> usize {
        self.amplitude_peak.len()
    }

    pub fn is_empty(&self) -> bool {
        self.amplitude_peak.is_empty()
    }

    /// The features of frame `t` (None when out of range); Doppler is None where it is NaN.
    pub fn frame(&self, t: usize) -> Option<CsiFeatures> {
        if t >= self.len() {
            return None;
        }
        let doppler = self.doppler.as_ref().and_then(|d| {
            let peak = d.peak_frequency[t];
            (!peak.is_nan()).then(|| DopplerFeatures {
                shifts: d.shifts.row(t).to_owned(),
                peak_frequency: peak,
                mean_magnitude: d.mean_magnitude[t],
                spread: d.spread[t],
            })
        });
        let num_subcarriers = self.amplitude_mean.ncols();
        Some(CsiFeatures {
            amplitude: AmplitudeFeatures {
                mean: self.amplitude_mean.row(t).to_owned(),
                variance: self.amplitude_variance.row(t).to_owned(),
                peak: self.amplitude_peak[t],
                rms: self.amplitude_rms[t],
                dynamic_range: self.amplitude_dynamic_range[t],
            },
            phase: PhaseFeatures {
                difference: self.phase_difference.row(t).to_owned(),
                variance: self.phase_variance.row(t).to_owned(),
                gradient: self.phase_gradient.row(t).to_owned(),
                coherence: self.phase_coherence[t],
            },
            correlation: CorrelationFeatures {
                matrix: self.correlation_matrix.index_axis(Axis(0), t).to_owned(),
                mean_correlation: self.mean_correlation[t],
                max_correlation: self.max_correlation[t],
                correlation_spread: self.correlation_spread[t],
            },
            psd: PsdFeatures {
                values: self.psd_values.row(t).to_owned(),
                frequencies: self.psd_frequencies.clone(),
                total_power: self.psd_total_power[t],
                peak_power: self.psd_peak_power[t],
                peak_frequency: self.psd_peak_frequency[t],
                centroid: self.psd_centroid[t],
                bandwidth: self.psd_bandwidth[t],
            },
            metadata: FeatureMetadata {
                num_antennas: self.num_antennas,
                num_subcarriers,
                fft_size: self.fft_size,
                sampling_rate: doppler.as_ref().map(|_| self.sampling_rate),
                doppler_samples: self
                    .doppler
                    .as_ref()
                    .and_then(|d| doppler.as_ref().map(|_| d.window.min(t + 1))),
            },
            doppler,
            timestamp: None,
        })
    }
}

/// Extracts features; holds the FFT plan for the PSD. Stateless between calls.
#[derive(Clone)]
pub struct FeatureExtractor {
    config: FeatureExtractorConfig,
    psd_fft: Arc<dyn Fft<f64>>,
}

impl std::fmt::Debug for FeatureExtractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeatureExtractor")
            .field("config", &self.config)
            .finish()
    }
}

impl FeatureExtractor {
    pub fn new(config: FeatureExtractorConfig) -> SignalResult<Self> {
        config.validate()?;
        let psd_fft = FftPlanner::new().plan_fft_forward(config.fft_size);
        Ok(FeatureExtractor { config, psd_fft })
    }

    pub fn config(&self) -> &FeatureExtractorConfig {
        &self.config
    }

    /// Amplitude, phase, correlation and PSD features; no Doppler.
    pub fn extract(&self, d: &CsiData) -> CsiFeatures {
        self.extract_views(d.amplitude(), d.phase(), d.bandwidth_hz(), d.timestamp())
    }

    pub fn extract_amplitude(&self, d: &CsiData) -> AmplitudeFeatures {
        amplitude_features(d.amplitude())
    }

    pub fn extract_phase(&self, d: &CsiData) -> PhaseFeatures {
        phase_features(d.phase())
    }

    pub fn extract_correlation(&self, d: &CsiData) -> CorrelationFeatures {
        correlation_features(d.amplitude())
    }

    pub fn extract_psd(&self, d: &CsiData) -> PsdFeatures {
        psd_features(d.amplitude(), d.bandwidth_hz(), &*self.psd_fft)
    }

    /// PSD total power (Σ_{k<N/2} |X_k|²/N, N = `fft_size`) of one row of amplitudes, as
    /// [`FeatureExtractor::extract_psd`] computes it for a one-antenna frame.
    pub fn psd_total_power(&self, amplitudes: &[f64]) -> f64 {
        let row = ArrayView2::from_shape((1, amplitudes.len()), amplitudes);
        row.map_or(0.0, |row| {
            psd_features(row, 0.0, &*self.psd_fft).total_power
        })
    }

    /// `extract` plus Doppler over `history` when enabled and long enough.
    pub fn extract_with_history(
        &self,
        d: &CsiData,
        history: &[CsiData],
    ) -> SignalResult<CsiFeatures> {
        let mut features = self.extract(d);
        if self.config.enable_doppler && history.len() >= self.config.min_doppler_history {
            features.doppler = self.extract_doppler(history)?;
            features.metadata.sampling_rate = Some(self.config.sampling_rate);
            features.metadata.doppler_samples = Some(history.len());
        }
        Ok(features)
    }

    /// Doppler over `history` (oldest first) iff it has at least `min_doppler_history` frames.
    /// All frames must have the same number of subcarriers.
    pub fn extract_doppler(&self, history: &[CsiData]) -> SignalResult<Option<DopplerFeatures>> {
        if history.len() < self.config.min_doppler_history {
            return Ok(None);
        }
        let s = history.first().map_or(0, CsiData::num_subcarriers);
        if let Some((index, frame)) = history
            .iter()
            .enumerate()
            .find(|(_, f)| f.num_subcarriers() != s)
        {
            return Err(SignalError::length_mismatch(
                format!("history[{index}]"),
                format!("{s} subcarriers"),
                format!("{} subcarriers", frame.num_subcarriers()),
            ));
        }
        let series =
            Array2::from_shape_fn((history.len(), s), |(t, j)| history[t].amplitude()[[0, j]]);
        let mut planner = FftPlanner::new();
        Ok(Some(doppler_features(
            series.view(),
            self.config.sampling_rate,
            &mut planner,
        )))
    }

    /// Features of every `[A, S]` frame of `[T, A, S]` arrays. With `doppler_window = Some(W)`,
    /// frame t gets Doppler over frames max(0, t−W+1)…t when there are enough, else NaN.
    pub fn extract_batch(
        &self,
        amplitude: ArrayView3<'_, f64>,
        phase: ArrayView3<'_, f64>,
        bandwidth_hz: f64,
        doppler_window: Option<usize>,
    ) -> SignalResult<CsiFeatureBatch> {
        ensure_finite_stream(amplitude, phase)?;
        ensure_positive("bandwidth_hz", bandwidth_hz)?;
        if doppler_window == Some(0) {
            return Err(SignalError::config("doppler_window must be >= 1, got 0"));
        }
        let (t_len, a_len, s_len) = amplitude.dim();
        if a_len > crate::csi_data::MAX_ANTENNAS {
            return Err(SignalError::validation(
                "amplitude",
                format!(
                    "at most {} antennas, got {a_len}",
                    crate::csi_data::MAX_ANTENNAS
                ),
            ));
        }
        let n = self.config.fft_size;
        // Frames are independent: each is computed by one task, collected in frame order.
        let frames: Vec<CsiFeatures> = (0..t_len)
            .into_par_iter()
            .map(|t| {
                self.extract_views(
                    amplitude.index_axis(Axis(0), t),
                    phase.index_axis(Axis(0), t),
                    bandwidth_hz,
                    None,
                )
            })
            .collect();
        let stack1 = |f: &dyn Fn(&CsiFeatures) -> f64| Array1::from_iter(frames.iter().map(f));
        let stack2 = |width: usize, f: &dyn Fn(&CsiFeatures) -> &Array1<f64>| {
            let mut out = Array2::zeros((t_len, width));
            for (mut row, frame) in out.rows_mut().into_iter().zip(&frames) {
                row.assign(f(frame));
            }
            out
        };
        let mut correlation_matrix = Array3::zeros((t_len, a_len, a_len));
        for (mut m, frame) in correlation_matrix.axis_iter_mut(Axis(0)).zip(&frames) {
            m.assign(&frame.correlation.matrix);
        }
        let doppler = doppler_window.map(|w| self.doppler_batch(amplitude, w));
        Ok(CsiFeatureBatch {
            amplitude_mean: stack2(s_len, &|f| &f.amplitude.mean),
            amplitude_variance: stack2(s_len, &|f| &f.amplitude.variance),
            amplitude_peak: stack1(&|f| f.amplitude.peak),
            amplitude_rms: stack1(&|f| f.amplitude.rms),
            amplitude_dynamic_range: stack1(&|f| f.amplitude.dynamic_range),
            phase_difference: stack2(s_len - 1, &|f| &f.phase.difference),
            phase_variance: stack2(s_len, &|f| &f.phase.variance),
            phase_gradient: stack2(frames[0].phase.gradient.len(), &|f| &f.phase.gradient),
            phase_coherence: stack1(&|f| f.phase.coherence),
            correlation_matrix,
            mean_correlation: stack1(&|f| f.correlation.mean_correlation),
            max_correlation: stack1(&|f| f.correlation.max_correlation),
            correlation_spread: stack1(&|f| f.correlation.correlation_spread),
            psd_values: stack2(n, &|f| &f.psd.values),
            psd_frequencies: frames[0].psd.frequencies.clone(),
            psd_total_power: stack1(&|f| f.psd.total_power),
            psd_peak_power: stack1(&|f| f.psd.peak_power),
            psd_peak_frequency: stack1(&|f| f.psd.peak_frequency),
            psd_centroid: stack1(&|f| f.psd.centroid),
            psd_bandwidth: stack1(&|f| f.psd.bandwidth),
            doppler,
            num_antennas: a_len,
            fft_size: n,
            sampling_rate: self.config.sampling_rate,
        })
    }

    fn doppler_batch(&self, amplitude: ArrayView3<'_, f64>, window: usize) -> DopplerBatch {
        let (t_len, _, s_len) = amplitude.dim();
        let antenna0 = amplitude.index_axis(Axis(1), 0);
        let mut planner = FftPlanner::new();
        let mut out = DopplerBatch {
            shifts: Array2::from_elem((t_len, s_len), f64::NAN),
            peak_frequency: Array1::from_elem(t_len, f64::NAN),
            mean_magnitude: Array1::from_elem(t_len, f64::NAN),
            spread: Array1::from_elem(t_len, f64::NAN),
            window,
        };
        for t in 0..t_len {
            let start = (t + 1).saturating_sub(window);
            if t + 1 - start < self.config.min_doppler_history {
                continue;
            }
            let series = antenna0.slice_axis(Axis(0), ndarray::Slice::from(start..=t));
            let d = doppler_features(series, self.config.sampling_rate, &mut planner);
            out.shifts.row_mut(t).assign(&d.shifts);
            out.peak_frequency[t] = d.peak_frequency;
            out.mean_magnitude[t] = d.mean_magnitude;
            out.spread[t] = d.spread;
        }
        out
    }

    fn extract_views(
        &self,
        amplitude: ArrayView2<'_, f64>,
        phase: ArrayView2<'_, f64>,
        bandwidth_hz: f64,
        timestamp: Option<Timestamp>,
    ) -> CsiFeatures {
        let (num_antennas, num_subcarriers) = amplitude.dim();
        CsiFeatures {
            amplitude: amplitude_features(amplitude),
            phase: phase_features(phase),
            correlation: correlation_features(amplitude),
            psd: psd_features(amplitude, bandwidth_hz, &*self.psd_fft),
            doppler: None,
            timestamp,
            metadata: FeatureMetadata {
                num_antennas,
                num_subcarriers,
                fft_size: self.config.fft_size,
                sampling_rate: None,
                doppler_samples: None,
            },
        }
    }
}

/// Per-column population mean and variance of a `[rows, cols]` array (rows summed in order).
fn column_mean_var(x: ArrayView2<'_, f64>) -> (Array1<f64>, Array1<f64>) {
    let rows = x.nrows() as f64;
    let mut means = Array1::zeros(x.ncols());
    for row in x.rows() {
        means += &row;
    }
    means /= rows;
    let mut vars = Array1::zeros(x.ncols());
    for row in x.rows() {
        for ((v, &value), &m) in vars.iter_mut().zip(row).zip(&means) {
            let d: f64 = value - m;
            *v += d * d;
        }
    }
    vars /= rows;
    (means, vars)
}

fn amplitude_features(a: ArrayView2<'_, f64>) -> AmplitudeFeatures {
    let (mean_per_sc, variance) = column_mean_var(a);
    let (mut lo, mut hi, mut squares) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
    for &v in a {
        lo = lo.min(v);
        hi = hi.max(v);
        squares += v * v;
    }
    let rms = (squares / a.len() as f64).sqrt();
    AmplitudeFeatures {
        mean: mean_per_sc,
        variance,
        peak: hi,
        rms,
        dynamic_range: hi - lo,
    }
}

/// Population moments of every pair of rows i < j, in pair order, as (var_i, var_j, cov_ij).
fn row_pair_moments(x: ArrayView2<'_, f64>) -> Vec<(usize, usize, PairMoments)> {
    let rows: Vec<Vec<f64>> = x.rows().into_iter().map(|r| r.to_vec()).collect();
    let mut out = Vec::with_capacity(rows.len() * rows.len().saturating_sub(1) / 2);
    for i in 0..rows.len() {
        for j in i + 1..rows.len() {
            out.push((i, j, pair_moments(&rows[i], &rows[j])));
        }
    }
    out
}

fn phase_features(p: ArrayView2<'_, f64>) -> PhaseFeatures {
    let (a_len, s_len) = p.dim();
    let mut difference = Array1::zeros(s_len.saturating_sub(1));
    for row in p.rows() {
        for (j, d) in difference.iter_mut().enumerate() {
            *d += row[j + 1] - row[j];
        }
    }
    difference /= a_len as f64;
    let gradient = if s_len < 3 {
        Array1::from(vec![0.0])
    } else {
        Array1::from_shape_fn(difference.len() - 1, |j| difference[j + 1] - difference[j])
    };
    let (_, variance) = column_mean_var(p);
    let mut sum = 0.0;
    let mut pairs = 0usize;
    for (_, _, m) in row_pair_moments(p) {
        let denom = m.var_a * m.var_b;
        if denom < 1e-10 {
            continue;
        }
        sum += m.cov / denom.sqrt();
        pairs += 1;
    }
    let coherence = if pairs == 0 { 0.0 } else { sum / pairs as f64 };
    PhaseFeatures {
        difference,
        variance,
        gradient,
        coherence,
    }
}

fn correlation_features(a: ArrayView2<'_, f64>) -> CorrelationFeatures {
    let a_len = a.nrows();
    let mut matrix = Array2::eye(a_len);
    for (i, j, m) in row_pair_moments(a) {
        let std_product = m.var_a.sqrt() * m.var_b.sqrt();
        let r = if std_product <= 1e-10 {
            0.0
        } else {
            m.cov / std_product
        };
        matrix[[i, j]] = r;
        matrix[[j, i]] = r;
    }
    let off_diagonal: Vec<f64> = matrix
        .indexed_iter()
        .filter(|((i, j), _)| i != j)
        .map(|(_, &v)| v)
        .collect();
    let (mean_correlation, max_correlation, correlation_spread) = if off_diagonal.is_empty() {
        (0.0, 0.0, 0.0)
    } else {
        (
            mean(off_diagonal.iter().copied()),
            off_diagonal
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max),
            var_pop(&off_diagonal).sqrt(),
        )
    };
    CorrelationFeatures {
        matrix,
        mean_correlation,
        max_correlation,
        correlation_spread,
    }
}

fn psd_features(a: ArrayView2<'_, f64>, bandwidth_hz: f64, fft: &dyn Fft<f64>) -> PsdFeatures {
    let n = fft.len();
    let mut buffer: Vec<Complex64> = a.iter().take(n).map(|&v| Complex64::new(v, 0.0)).collect();
    buffer.resize(n, Complex64::new(0.0, 0.0));
    let mut scratch = vec![Complex64::new(0.0, 0.0); fft.get_inplace_scratch_len()];
    fft.process_with_scratch(&mut buffer, &mut scratch);
    let values: Array1<f64> = buffer.iter().map(|x| x.norm_sqr() / n as f64).collect();
    let frequencies: Array1<f64> = (0..n)
        .map(|k| {
            let signed = if k <= n / 2 {
                k as f64
            } else {
                k as f64 - n as f64
            };
            signed * bandwidth_hz / n as f64
        })
        .collect();
    let half = n / 2;
    let (mut total, mut weighted) = (0.0, 0.0);
    let (mut peak_power, mut peak_frequency) = (0.0, 0.0);
    for k in 0..half {
        let p = values[k];
        total += p;
        weighted += p * frequencies[k];
        if k == 0 || p > peak_power {
            peak_power = p;
            peak_frequency = frequencies[k];
        }
    }
    let (centroid, spectral_bandwidth) = if total <= 1e-10 {
        (0.0, 0.0)
    } else {
        let c = weighted / total;
        let spread: f64 = (0..half)
            .map(|k| values[k] * (frequencies[k] - c) * (frequencies[k] - c))
            .sum();
        (c, (spread / total).sqrt())
    };
    PsdFeatures {
        values,
        frequencies,
        total_power: total,
        peak_power,
        peak_frequency,
        centroid,
        bandwidth: spectral_bandwidth,
    }
}

/// Doppler of a `[H, S]` antenna-0 amplitude history sampled at `fs` Hz.
fn doppler_features(
    series: ArrayView2<'_, f64>,
    fs: f64,
    planner: &mut FftPlanner<f64>,
) -> DopplerFeatures {
    let (h, s) = series.dim();
    let zero = |len: usize| DopplerFeatures {
        shifts: Array1::zeros(len),
        peak_frequency: 0.0,
        mean_magnitude: 0.0,
        spread: 0.0,
    };
    match h {
        0 => return zero(1),
        1 => return zero(s),
        _ => {}
    }
    let fft = planner.plan_fft_forward(h);
    let mut buffer = vec![Complex64::new(0.0, 0.0); h];
    let shifts: Array1<f64> = series
        .columns()
        .into_iter()
        .map(|col| {
            for (b, &v) in buffer.iter_mut().zip(col) {
                *b = Complex64::new(v, 0.0);
            }
            fft.process(&mut buffer);
            let mut best_k = 1;
            let mut best = buffer[1].norm();
            for (k, x) in buffer.iter().enumerate().take(h / 2 + 1).skip(2) {
                let m = x.norm();
                if m > best {
                    best = m;
                    best_k = k;
                }
            }
            best_k as f64 * fs / h as f64
        })
        .collect();
    let magnitudes: Vec<f64> = shifts.iter().map(|v| v.abs()).collect();
    DopplerFeatures {
        peak_frequency: magnitudes.iter().copied().fold(0.0, f64::max),
        mean_magnitude: mean(magnitudes.iter().copied()),
        spread: var_pop(&magnitudes).sqrt(),
        shifts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn frame(a: usize, s: usize, t: usize) -> CsiData {
        let amp = Array2::from_shape_fn((a, s), |(i, j)| {
            1.0 + 0.2 * (0.3 * j as f64 + i as f64).sin()
                + 0.1 * (0.9 * t as f64 + 0.2 * j as f64).cos()
        });
        let ph = Array2::from_shape_fn((a, s), |(i, j)| {
            (0.05 * j as f64 + 0.3 * i as f64 + 0.01 * t as f64).sin()
        });
        CsiData::from_arrays(amp, ph).unwrap()
    }

    fn extractor() -> FeatureExtractor {
        FeatureExtractor::new(FeatureExtractorConfig::default()).unwrap()
    }

    fn all_scalars(f: &CsiFeatures) -> Vec<f64> {
        let mut v = vec![
            f.amplitude.peak,
            f.amplitude.rms,
            f.amplitude.dynamic_range,
            f.phase.coherence,
            f.correlation.mean_correlation,
            f.correlation.max_correlation,
            f.correlation.correlation_spread,
            f.psd.total_power,
            f.psd.peak_power,
            f.psd.peak_frequency,
            f.psd.centroid,
            f.psd.bandwidth,
        ];
        for arr in [
            &f.amplitude.mean,
            &f.amplitude.variance,
            &f.phase.difference,
            &f.phase.variance,
            &f.phase.gradient,
            &f.psd.values,
            &f.psd.frequencies,
        ] {
            v.extend(arr.iter().copied());
        }
        v.extend(f.correlation.matrix.iter().copied());
        if let Some(d) = &f.doppler {
            v.extend([d.peak_frequency, d.mean_magnitude, d.spread]);
            v.extend(d.shifts.iter().copied());
        }
        v
    }

    #[test]
    fn shapes_and_ranges_on_4x64() {
        let f = extractor().extract(&frame(4, 64, 0));
        assert_eq!(
            (f.amplitude.mean.len(), f.amplitude.variance.len()),
            (64, 64)
        );
        assert!(
            f.amplitude.peak > 0.0 && f.amplitude.rms > 0.0 && f.amplitude.dynamic_range >= 0.0
        );
        assert_eq!(f.phase.difference.len(), 63);
        assert_eq!(f.phase.gradient.len(), 62);
        assert!(f.phase.coherence.abs() <= 1.0);
        let m = &f.correlation.matrix;
        assert_eq!(m.dim(), (4, 4));
        for i in 0..4 {
            assert!((m[[i, i]] - 1.0).abs() < 1e-10);
            for j in 0..4 {
                assert!((m[[i, j]] - m[[j, i]]).abs() < 1e-10);
            }
        }
        assert_eq!((f.psd.values.len(), f.psd.frequencies.len()), (128, 128));
        assert!(f.psd.values.iter().all(|&v| v >= 0.0));
        assert!(f.doppler.is_none());
        assert!(all_scalars(&f).iter().all(|v| v.is_finite()));
        assert_eq!(f.metadata.num_antennas, 4);
        assert_eq!(f.metadata.sampling_rate, None);
    }

    #[test]
    fn doppler_from_history() {
        let e = extractor();
        let history: Vec<CsiData> = (0..20).map(|t| frame(4, 64, t)).collect();
        let d = e.extract_doppler(&history).unwrap().unwrap();
        assert_eq!(d.shifts.len(), 64);
        let f = e
            .extract_with_history(&frame(4, 64, 20), &history[..15])
            .unwrap();
        assert_eq!(f.metadata.doppler_samples, Some(15));
        assert_eq!(f.metadata.sampling_rate, Some(1000.0));
        assert!(all_scalars(&f).iter().all(|v| v.is_finite()));
        assert!(e.extract_doppler(&[]).unwrap().is_none());
        assert!(e.extract_doppler(&history[..5]).unwrap().is_none());
        assert!(e
            .extract_with_history(&frame(4, 64, 0), &history[..5])
            .unwrap()
            .doppler
            .is_none());
    }

    #[test]
    fn doppler_finds_the_modulation_frequency() {
        // antenna-0 amplitude oscillates at 100 Hz; 40 frames at 1 kHz → bin 4 → 100 Hz.
        let history: Vec<CsiData> = (0..40)
            .map(|t| {
                let a =
                    Array2::from_elem((1, 3), 2.0 + (2.0 * PI * 100.0 * t as f64 / 1000.0).sin());
                CsiData::from_arrays(a, Array2::zeros((1, 3))).unwrap()
            })
            .collect();
        let d = extractor().extract_doppler(&history).unwrap().unwrap();
        assert!(d.shifts.iter().all(|&s| (s - 100.0).abs() < 1e-9));
        assert!((d.mean_magnitude - 100.0).abs() < 1e-9 && d.spread.abs() < 1e-9);
    }

    #[test]
    fn doppler_edge_lengths() {
        let mut planner = FftPlanner::new();
        let empty = doppler_features(Array2::zeros((0, 5)).view(), 100.0, &mut planner);
        assert_eq!(empty.shifts.to_vec(), vec![0.0]);
        let one = doppler_features(Array2::ones((1, 5)).view(), 100.0, &mut planner);
        assert_eq!(one.shifts.to_vec(), vec![0.0; 5]);
    }

    #[test]
    fn constant_and_simple_inputs() {
        let e = extractor();
        let constant =
            CsiData::from_arrays(Array2::from_elem((4, 64), 2.0), Array2::zeros((4, 64))).unwrap();
        let f = e.extract(&constant);
        assert!((f.amplitude.rms - 2.0).abs() < 0.01 && (f.amplitude.peak - 2.0).abs() < 0.01);
        assert!(f.amplitude.dynamic_range < 0.01);

        let tone = Array2::from_shape_fn((1, 256), |(_, j)| {
            (2.0 * PI * 50.0 * j as f64 / 1000.0).sin().abs() + 1.0
        });
        let f = e.extract(&CsiData::from_arrays(tone, Array2::zeros((1, 256))).unwrap());
        assert!(f.psd.total_power > 0.0 && f.psd.centroid >= 0.0);

        let same_rows = Array2::from_shape_fn((4, 64), |(_, j)| 1.0 + (0.2 * j as f64).sin());
        let linear_phase = Array2::from_shape_fn((4, 64), |(_, j)| -3.0 + 0.09 * j as f64);
        let f = e.extract(&CsiData::from_arrays(same_rows, linear_phase).unwrap());
        assert!(f.correlation.mean_correlation > 0.9);
        assert!((f.phase.coherence - 1.0).abs() < 1e-12);

        let ramp = Array2::from_shape_fn((1, 64), |(_, j)| 0.5 + 2.0 * j as f64 / 63.0);
        let f = e.extract(&CsiData::from_arrays(ramp, Array2::zeros((1, 64))).unwrap());
        assert!((f.amplitude.dynamic_range - 2.0).abs() < 0.01);
        assert_eq!(f.correlation.mean_correlation, 0.0);
        assert_eq!(f.phase.coherence, 0.0);
    }

    #[test]
    fn psd_matches_a_direct_dft() {
        let d = frame(2, 40, 3);
        let f = FeatureExtractor::new(FeatureExtractorConfig {
            fft_size: 16,
            ..Default::default()
        })
        .unwrap()
        .extract(&d);
        let flat: Vec<f64> = d.amplitude().iter().copied().take(16).collect();
        for k in 0..16 {
            let (mut re, mut im) = (0.0, 0.0);
            for (n, &x) in flat.iter().enumerate() {
                let angle = -2.0 * PI * (k * n) as f64 / 16.0;
                re += x * angle.cos();
                im += x * angle.sin();
            }
            assert!(((re * re + im * im) / 16.0 - f.psd.values[k]).abs() < 1e-9);
        }
        assert_eq!(f.psd.frequencies[8], 8.0 * 20e6 / 16.0);
        assert_eq!(f.psd.frequencies[9], -7.0 * 20e6 / 16.0);
        // zero-padding when the frame is shorter than N.
        let small = FeatureExtractor::new(FeatureExtractorConfig {
            fft_size: 512,
            ..Default::default()
        })
        .unwrap()
        .extract(&d);
        assert_eq!(small.psd.values.len(), 512);
    }

    #[test]
    fn small_frames() {
        let d = CsiData::from_arrays(
            Array2::from_elem((1, 2), 1.0),
            Array2::from_elem((1, 2), 0.5),
        )
        .unwrap();
        let f = extractor().extract(&d);
        assert_eq!(f.phase.gradient.to_vec(), vec![0.0]);
        assert_eq!(f.phase.difference.to_vec(), vec![0.0]);
    }

    #[test]
    fn batch_equals_per_frame_bitwise() {
        let e = extractor();
        let frames: Vec<CsiData> = (0..14).map(|t| frame(3, 20, t)).collect();
        let amp = Array3::from_shape_fn((14, 3, 20), |(t, a, s)| frames[t].amplitude()[[a, s]]);
        let ph = Array3::from_shape_fn((14, 3, 20), |(t, a, s)| frames[t].phase()[[a, s]]);
        let batch = e
            .extract_batch(amp.view(), ph.view(), 20e6, Some(12))
            .unwrap();
        assert_eq!(batch.len(), 14);
        for t in 0..14 {
            let start = (t + 1usize).saturating_sub(12);
            let expected = e
                .extract_with_history(&frames[t], &frames[start..=t])
                .unwrap();
            let got = batch.frame(t).unwrap();
            let (x, y) = (all_scalars(&expected), all_scalars(&got));
            assert_eq!(x.len(), y.len(), "frame {t}");
            assert!(
                x.iter().zip(&y).all(|(a, b)| a.to_bits() == b.to_bits()),
                "frame {t}"
            );
            assert_eq!(got.doppler.is_some(), t >= 9);
            assert_eq!(
                got.metadata.doppler_samples,
                expected.metadata.doppler_samples
            );
        }
        assert!(batch.doppler.as_ref().unwrap().peak_frequency[8].is_nan());
        let plain = e.extract_batch(amp.view(), ph.view(), 20e6, None).unwrap();
        assert!(plain.doppler.is_none() && plain.frame(14).is_none());
    }

    #[test]
    fn batch_rejects_bad_input() {
        let e = extractor();
        let amp = Array3::<f64>::ones((2, 2, 4));
        assert!(e
            .extract_batch(amp.view(), Array3::ones((2, 2, 5)).view(), 20e6, None)
            .is_err());
        assert!(e
            .extract_batch(
                Array3::zeros((0, 2, 4)).view(),
                Array3::zeros((0, 2, 4)).view(),
                20e6,
                None
            )
            .is_err());
        let mut nan = amp.clone();
        nan[[1, 1, 3]] = f64::NAN;
        let err = e
            .extract_batch(amp.view(), nan.view(), 20e6, None)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "phase contains a non-finite value (NaN) at [1, 1, 3]"
        );
        assert!(e.extract_batch(amp.view(), amp.view(), 0.0, None).is_err());
        assert!(e
            .extract_batch(amp.view(), amp.view(), 20e6, Some(0))
            .is_err());
    }

    #[test]
    fn config_validation() {
        for bad in [
            FeatureExtractorConfig {
                fft_size: 0,
                ..Default::default()
            },
            FeatureExtractorConfig {
                sampling_rate: 0.0,
                ..Default::default()
            },
            FeatureExtractorConfig {
                min_doppler_history: 1,
                ..Default::default()
            },
        ] {
            assert!(FeatureExtractor::new(bad).is_err());
        }
    }
}
