//! The spectral peak estimator: Hann-windowed, zero-padded periodogram, Gaussian peak
//! interpolation and a peak-concentration confidence net of what white noise would show.

use std::f64::consts::PI;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use crate::resonator::{Band, ResonatorCoefficients};

/// Smallest history the estimator analyses.
const MIN_SAMPLES: usize = 4;
/// Below this energy the history is treated as flat.
const MIN_ENERGY: f64 = 1e-15;

/// A spectral rate estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpectralPeak {
    pub frequency_hz: f64,
    pub rate_bpm: f64,
    /// c_spec in [0, 1].
    pub confidence: f64,
}

/// Estimates the dominant in-band frequency of a history, caching the window, FFT plan and
/// filter response for the last history length seen (FFT plans are shared process-wide).
#[derive(Debug, Clone)]
pub struct SpectralPeakEstimator {
    band: Band,
    sample_rate_hz: f64,
    filter: ResonatorCoefficients,
    layout: Option<SpectrumLayout>,
}

/// Everything that depends only on the history length N.
#[derive(Clone)]
struct SpectrumLayout {
    n: usize,
    window: Vec<f64>,
    fft: Arc<dyn RealToComplex<f64>>,
    input: Vec<f64>,
    spectrum: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
    /// First and last bin of the search set S.
    search: (usize, usize),
    /// First bin of the confidence region R; `region_gain[j]` is G at bin `region_start + j`.
    region_start: usize,
    region_gain: Vec<f64>,
    /// Power over R, refreshed by each estimate.
    region_power: Vec<f64>,
    main_lobe_hz: f64,
}

impl fmt::Debug for SpectrumLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpectrumLayout")
            .field("n", &self.n)
            .field("m", &self.m())
            .field("search", &self.search)
            .field("region_start", &self.region_start)
            .field("region_len", &self.region_gain.len())
            .finish()
    }
}

/// Real-FFT plans kept process-wide; the oldest is dropped beyond this.
const CACHED_PLANS: usize = 16;

/// The forward real-FFT plan of length `len`, shared by every estimator of the process:
/// planning (twiddle sines and cosines) costs more than a transform, and the pipelines of a
/// process use the same few lengths.
fn forward_plan(len: usize) -> Arc<dyn RealToComplex<f64>> {
    static PLANS: Mutex<Vec<Arc<dyn RealToComplex<f64>>>> = Mutex::new(Vec::new());
    // The list is only pushed to or trimmed, so a poisoned lock still holds valid plans.
    let mut plans = PLANS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(plan) = plans.iter().find(|p| p.len() == len) {
        return Arc::clone(plan);
    }
    let plan = RealFftPlanner::<f64>::new().plan_fft_forward(len);
    if plans.len() == CACHED_PLANS {
        plans.remove(0);
    }
    plans.push(Arc::clone(&plan));
    plan
}

/// Bins k ≥ 1 (up to M/2) with lo ≤ k·fs/M ≤ hi, as an inclusive range.
fn bins_within(lo: f64, hi: f64, fs: f64, m: usize) -> Option<(usize, usize)> {
    let freq = |k: usize| k as f64 * fs / m as f64;
    let first = (1..=m / 2).find(|&k| freq(k) >= lo)?;
    let last = (first..=m / 2).take_while(|&k| freq(k) <= hi).last()?;
    Some((first, last))
}

impl SpectrumLayout {
    fn new(n: usize, band: Band, fs: f64, filter: &ResonatorCoefficients) -> Self {
        let m = (4 * n).next_power_of_two();
        let fft = forward_plan(m);
        let denominator = (n - 1) as f64;
        let window = (0..n)
            .map(|i| 0.5 - 0.5 * (2.0 * PI * i as f64 / denominator).cos())
            .collect();
        let bin_hz = fs / n as f64;
        let main_lobe_hz = 2.0 * bin_hz;
        let search =
            bins_within(band.low_hz - bin_hz, band.high_hz + bin_hz, fs, m).unwrap_or((1, 0));
        let (region_start, region_end) = bins_within(
            band.low_hz - main_lobe_hz,
            band.high_hz + main_lobe_hz,
            fs,
            m,
        )
        .unwrap_or((1, 0));
        let region_gain: Vec<f64> = (region_start..=region_end)
            .map(|k| filter.power_gain(2.0 * PI * (k as f64 * fs / m as f64) / fs))
            .collect();
        SpectrumLayout {
            n,
            window,
            input: fft.make_input_vec(),
            spectrum: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            fft,
            search,
            region_start,
            region_power: vec![0.0; region_gain.len()],
            region_gain,
            main_lobe_hz,
        }
    }

    fn m(&self) -> usize {
        self.input.len()
    }
}

impl SpectralPeakEstimator {
    /// `filter` is the stage's resonator; its response G sets the white-noise baseline ρ₀.
    pub fn new(band: Band, sample_rate_hz: f64, filter: ResonatorCoefficients) -> Self {
        SpectralPeakEstimator {
            band,
            sample_rate_hz,
            filter,
            layout: None,
        }
    }

    /// Section 4.4 over `history` (oldest first, exactly `len` values). None when the history
    /// is too short or flat, or when the strongest bin sits on the edge of the search set.
    pub fn estimate<'a, I>(&mut self, history: I) -> Option<SpectralPeak>
    where
        I: IntoIterator<Item = &'a f64>,
        I::IntoIter: ExactSizeIterator + Clone,
    {
        let history = history.into_iter();
        let n = history.len();
        if n < MIN_SAMPLES {
            return None;
        }
        let mean = history.clone().sum::<f64>() / n as f64;
        let energy: f64 = history.clone().map(|h| (h - mean) * (h - mean)).sum();
        if energy < MIN_ENERGY {
            return None;
        }
        let (band, fs) = (self.band, self.sample_rate_hz);
        if self.layout.as_ref().map(|l| l.n) != Some(n) {
            self.layout = Some(SpectrumLayout::new(n, band, fs, &self.filter));
        }
        let layout = self.layout.as_mut()?;
        let m = layout.m();
        let (search_first, search_last) = layout.search;
        if search_last < search_first + 2 {
            return None;
        }

        for ((slot, h), w) in layout.input.iter_mut().zip(history).zip(&layout.window) {
            *slot = (h - mean) * w;
        }
        layout.input[n..].fill(0.0);
        layout
            .fft
            .process_with_scratch(&mut layout.input, &mut layout.spectrum, &mut layout.scratch)
            .ok()?;
        let start = layout.region_start;
        for (j, p) in layout.region_power.iter_mut().enumerate() {
            *p = layout.spectrum[start + j].norm_sqr();
        }
        let power = |k: usize| layout.region_power[k - start];

        let mut peak = search_first;
        for k in search_first + 1..=search_last {
            if power(k) > power(peak) {
                peak = k;
            }
        }
        if peak == search_first || peak == search_last {
            return None;
        }

        let log_power = |k: usize| power(k).max(1e-300).ln();
        let (left, centre, right) = (log_power(peak - 1), log_power(peak), log_power(peak + 1));
        let curvature = left - 2.0 * centre + right;
        let offset = if curvature < 0.0 {
            0.5 * (left - right) / curvature
        } else {
            0.0
        };
        let offset = offset.clamp(-0.5, 0.5);
        let frequency_hz =
            ((peak as f64 + offset) * fs / m as f64).clamp(band.low_hz, band.high_hz);

        let mut peak_power = 0.0;
        let mut total_power = 0.0;
        let mut peak_gain = 0.0;
        let mut total_gain = 0.0;
        for (j, (&p, &g)) in layout
            .region_power
            .iter()
            .zip(&layout.region_gain)
            .enumerate()
        {
            let f_k = (start + j) as f64 * fs / m as f64;
            if (f_k - frequency_hz).abs() <= layout.main_lobe_hz {
                peak_power += p;
                peak_gain += g;
            }
            total_power += p;
            total_gain += g;
        }
        let rho = if total_power > 0.0 {
            peak_power / total_power
        } else {
            0.0
        };
        let rho_noise = if total_gain > 0.0 {
            peak_gain / total_gain
        } else {
            0.0
        };
        let confidence = if 1.0 - rho_noise < 1e-12 {
            0.0
        } else {
            ((rho - rho_noise) / (1.0 - rho_noise)).clamp(0.0, 1.0)
        };
        Some(SpectralPeak {
            frequency_hz,
            rate_bpm: 60.0 * frequency_hz,
            confidence,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BREATHING: Band = Band {
        low_hz: 0.1,
        high_hz: 0.5,
    };

    #[test]
    fn plans_are_shared_and_the_cache_stays_bounded() {
        let first = forward_plan(4096);
        assert!(Arc::ptr_eq(&first, &forward_plan(4096)));
        // Filling the cache past its capacity evicts old lengths but never breaks a lookup.
        for len in (1..=2 * CACHED_PLANS).map(|k| 2 * k + 1000) {
            assert_eq!(forward_plan(len).len(), len);
        }
        assert_eq!(forward_plan(4096).len(), 4096);
        // Holders of an evicted plan keep a working plan.
        assert_eq!(first.len(), 4096);
    }

    fn estimator(fs: f64) -> SpectralPeakEstimator {
        SpectralPeakEstimator::new(
            BREATHING,
            fs,
            ResonatorCoefficients::new(BREATHING, fs).unwrap(),
        )
    }

    /// Direct DTFT power at bin k, the definition the FFT must reproduce.
    fn dtft_power(x: &[f64], k: usize, m: usize) -> f64 {
        let (mut re, mut im) = (0.0, 0.0);
        for (i, &v) in x.iter().enumerate() {
            let angle = -2.0 * PI * (i * k) as f64 / m as f64;
            re += v * angle.cos();
            im += v * angle.sin();
        }
        re * re + im * im
    }

    #[test]
    fn fft_power_matches_the_dtft_definition() {
        let mut est = estimator(10.0);
        let history: Vec<f64> = (0..300)
            .map(|i| (2.0 * PI * 0.23 * i as f64 / 10.0).sin() + 0.1)
            .collect();
        est.estimate(&history).unwrap();
        let layout = est.layout.as_ref().unwrap();
        assert_eq!(layout.m(), 2048);
        let mean = history.iter().sum::<f64>() / 300.0;
        let x: Vec<f64> = history
            .iter()
            .zip(&layout.window)
            .map(|(h, w)| (h - mean) * w)
            .collect();
        for (j, &p) in layout.region_power.iter().enumerate() {
            let direct = dtft_power(&x, layout.region_start + j, 2048);
            assert!(
                (p - direct).abs() <= 1e-9 * direct.max(1e-12),
                "bin {}",
                layout.region_start + j
            );
        }
    }

    #[test]
    fn recovers_an_off_bin_tone_and_scores_it_high() {
        let mut est = estimator(100.0);
        let f = 0.2345;
        let history: Vec<f64> = (0..3000)
            .map(|i| (2.0 * PI * f * i as f64 / 100.0 + 0.4).sin())
            .collect();
        let peak = est.estimate(&history).unwrap();
        assert!(
            (peak.frequency_hz - f).abs() * 60.0 < 0.02,
            "{}",
            peak.rate_bpm
        );
        assert!(peak.confidence > 0.95);
    }

    #[test]
    fn no_estimate_for_short_flat_or_out_of_band_histories() {
        let mut est = estimator(100.0);
        assert!(est.estimate(&[1.0, 2.0, 3.0]).is_none());
        assert!(est.estimate(&vec![2.5; 1000]).is_none());
        // A 0.65 Hz tone rises towards the search set's upper edge (0.6 Hz at N = 1000).
        let above: Vec<f64> = (0..1000)
            .map(|i| (2.0 * PI * 0.65 * i as f64 / 100.0).sin())
            .collect();
        assert!(est.estimate(&above).is_none());
    }

    #[test]
    fn repeated_estimates_are_bit_identical() {
        let mut est = estimator(100.0);
        let history: Vec<f64> = (0..1234)
            .map(|i| (i as f64 * 0.017).sin() + (i as f64 * 0.31).cos())
            .collect();
        let a = est.estimate(&history).unwrap();
        let _ = est.estimate(&history[..1000]);
        let b = est.estimate(&history).unwrap();
        assert_eq!(a.rate_bpm.to_bits(), b.rate_bpm.to_bits());
        assert_eq!(a.confidence.to_bits(), b.confidence.to_bits());
    }
}
