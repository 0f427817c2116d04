//! `HardwareNormalizer`: maps CSI from different chipsets onto a canonical subcarrier grid
//! (Catmull-Rom resampling, amplitude z-score, phase unwrap and linear detrend).

use std::str::FromStr;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use wifi_densepose_core::utils::{mean_std_pop, with_safe_scale};

use crate::unwrap::unwrap_phase;
use wifi_densepose_core::validate::{ensure_finite_array, ensure_finite_scalar};

use crate::csi_data::ensure_same_shape;
use crate::error::{SignalError, SignalResult};

/// CSI source chipsets and their native subcarrier counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HardwareType {
    Esp32S3,
    Intel5300,
    Atheros,
    Generic,
}

impl HardwareType {
    pub const ALL: [HardwareType; 4] = [
        HardwareType::Esp32S3,
        HardwareType::Intel5300,
        HardwareType::Atheros,
        HardwareType::Generic,
    ];

    pub fn subcarrier_count(self) -> usize {
        match self {
            HardwareType::Esp32S3 => 64,
            HardwareType::Intel5300 => 30,
            HardwareType::Atheros | HardwareType::Generic => 56,
        }
    }

    pub fn mimo_streams(self) -> usize {
        match self {
            HardwareType::Esp32S3 | HardwareType::Generic => 1,
            HardwareType::Intel5300 | HardwareType::Atheros => 3,
        }
    }

    /// 64 → ESP32-S3, 30 → Intel 5300, 56 → Atheros, anything else → Generic.
    pub fn detect(n_subcarriers: usize) -> Self {
        match n_subcarriers {
            64 => HardwareType::Esp32S3,
            30 => HardwareType::Intel5300,
            56 => HardwareType::Atheros,
            _ => HardwareType::Generic,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            HardwareType::Esp32S3 => "esp32_s3",
            HardwareType::Intel5300 => "intel_5300",
            HardwareType::Atheros => "atheros",
            HardwareType::Generic => "generic",
        }
    }

    fn slot(self) -> usize {
        match self {
            HardwareType::Esp32S3 => 0,
            HardwareType::Intel5300 => 1,
            HardwareType::Atheros => 2,
            HardwareType::Generic => 3,
        }
    }
}

impl FromStr for HardwareType {
    type Err = SignalError;
    fn from_str(s: &str) -> Result<Self, SignalError> {
        HardwareType::ALL
            .into_iter()
            .find(|h| h.name() == s)
            .ok_or_else(|| {
                SignalError::validation(
                    "hardware_type",
                    format!("must be one of esp32_s3, intel_5300, atheros, generic, got '{s}'"),
                )
            })
    }
}

/// Whether phase is unwrapped before resampling (ours) or after (RuView).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PhaseOrder {
    #[default]
    UnwrapFirst,
    ResampleFirst,
}

impl FromStr for PhaseOrder {
    type Err = SignalError;
    fn from_str(s: &str) -> Result<Self, SignalError> {
        match s {
            "unwrap_first" => Ok(PhaseOrder::UnwrapFirst),
            "resample_first" => Ok(PhaseOrder::ResampleFirst),
            other => Err(SignalError::config(format!(
                "phase_order must be 'unwrap_first' or 'resample_first', got '{other}'"
            ))),
        }
    }
}

/// A frame on the canonical grid.
#[derive(Debug, Clone, PartialEq)]
pub struct CanonicalCsiFrame {
    pub amplitude: Array1<f64>,
    pub phase: Array1<f64>,
    pub hardware_type: HardwareType,
}

/// Canonical `[T, C]` amplitude and phase of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct CanonicalCsiBatch {
    pub amplitude: Array2<f64>,
    pub phase: Array2<f64>,
    pub hardware_type: HardwareType,
}

/// Normalises frames of any supported chipset to `canonical_subcarriers` bins.
#[derive(Debug, Clone, PartialEq)]
pub struct HardwareNormalizer {
    canonical_subcarriers: usize,
    phase_order: PhaseOrder,
    hw_stats: [Option<(f64, f64)>; 4],
}

impl HardwareNormalizer {
    pub fn new(canonical_subcarriers: usize, phase_order: PhaseOrder) -> SignalResult<Self> {
        if canonical_subcarriers == 0 {
            return Err(SignalError::InvalidCanonical { value: 0 });
        }
        wifi_densepose_core::validate::ensure_size(
            "canonical_subcarriers",
            canonical_subcarriers,
            1,
            wifi_densepose_core::validate::MAX_LENGTH,
        )?;
        Ok(HardwareNormalizer {
            canonical_subcarriers,
            phase_order,
            hw_stats: [None; 4],
        })
    }

    pub fn canonical_subcarriers(&self) -> usize {
        self.canonical_subcarriers
    }

    pub fn phase_order(&self) -> PhaseOrder {
        self.phase_order
    }

    /// Registers the amplitude mean and std used by the z-score for `hw`.
    pub fn set_hw_stats(&mut self, hw: HardwareType, mean: f64, std: f64) -> SignalResult<()> {
        ensure_finite_scalar("mean", mean)?;
        ensure_finite_scalar("std", std)?;
        self.hw_stats[hw.slot()] = Some((mean, std));
        Ok(())
    }

    pub fn hw_stats(&self, hw: HardwareType) -> Option<(f64, f64)> {
        self.hw_stats[hw.slot()]
    }

    /// Resamples amplitude and phase of one frame to the canonical grid.
    pub fn normalize(
        &self,
        amplitude: ArrayView1<'_, f64>,
        phase: ArrayView1<'_, f64>,
        hw: HardwareType,
    ) -> SignalResult<CanonicalCsiFrame> {
        check_frame(amplitude, phase)?;
        Ok(self.normalize_valid(amplitude, phase, hw))
    }

    /// `normalize` for every row of `[T, n]` arrays.
    pub fn normalize_batch(
        &self,
        amplitude: ArrayView2<'_, f64>,
        phase: ArrayView2<'_, f64>,
        hw: HardwareType,
    ) -> SignalResult<CanonicalCsiBatch> {
        ensure_same_shape(amplitude.shape(), phase.shape())?;
        if amplitude.is_empty() {
            return Err(SignalError::EmptyFrame {
                field: "amplitude".into(),
            });
        }
        ensure_finite_array("amplitude", &amplitude)?;
        ensure_finite_array("phase", &phase)?;
        let t = amplitude.nrows();
        let mut out = CanonicalCsiBatch {
            amplitude: Array2::zeros((t, self.canonical_subcarriers)),
            phase: Array2::zeros((t, self.canonical_subcarriers)),
            hardware_type: hw,
        };
        for (row, (a, p)) in amplitude
            .axis_iter(Axis(0))
            .zip(phase.axis_iter(Axis(0)))
            .enumerate()
        {
            let frame = self.normalize_valid(a, p, hw);
            out.amplitude.row_mut(row).assign(&frame.amplitude);
            out.phase.row_mut(row).assign(&frame.phase);
        }
        Ok(out)
    }

    fn normalize_valid(
        &self,
        amplitude: ArrayView1<'_, f64>,
        phase: ArrayView1<'_, f64>,
        hw: HardwareType,
    ) -> CanonicalCsiFrame {
        let c = self.canonical_subcarriers;
        let resampled = catmull_rom_resample(&amplitude.to_vec(), c);
        let amplitude = zscore_sample(ArrayView1::from(&resampled), self.hw_stats(hw));
        let phase = match self.phase_order {
            PhaseOrder::UnwrapFirst => {
                catmull_rom_resample(unwrap_phase(phase).as_slice().unwrap_or(&[]), c)
            }
            PhaseOrder::ResampleFirst => {
                unwrap_phase(ArrayView1::from(&catmull_rom_resample(&phase.to_vec(), c))).to_vec()
            }
        };
        CanonicalCsiFrame {
            amplitude,
            phase: detrend_linear(ArrayView1::from(&phase)),
            hardware_type: hw,
        }
    }
}

fn check_frame(amplitude: ArrayView1<'_, f64>, phase: ArrayView1<'_, f64>) -> SignalResult<()> {
    if amplitude.is_empty() || phase.is_empty() {
        let field = if amplitude.is_empty() {
            "amplitude"
        } else {
            "phase"
        };
        return Err(SignalError::EmptyFrame {
            field: field.into(),
        });
    }
    if amplitude.len() != phase.len() {
        return Err(SignalError::length_mismatch(
            "phase",
            format!("length {} (as amplitude)", amplitude.len()),
            format!("length {}", phase.len()),
        ));
    }
    ensure_finite_array("amplitude", &amplitude)?;
    ensure_finite_array("phase", &phase)?;
    Ok(())
}

/// Catmull-Rom resampling of `s` (n ≥ 1 samples) to `c` points: sample i sits at
/// x_i = i·(n−1)/(c−1), computed from an integer numerator so both endpoints are exact.
pub fn catmull_rom_resample(s: &[f64], c: usize) -> Vec<f64> {
    let n = s.len();
    if n == c {
        return s.to_vec();
    }
    match (n, c) {
        (0, _) | (_, 0) => return Vec::new(),
        (1, _) => return vec![s[0]; c],
        (_, 1) => return vec![s[0]],
        _ => {}
    }
    let at = |m: isize| s[m.clamp(0, n as isize - 1) as usize];
    (0..c)
        .map(|i| {
            let x = (i * (n - 1)) as f64 / (c - 1) as f64;
            let j = x.floor();
            let t = x - j;
            let j = j as isize;
            let (p0, p1, p2, p3) = (at(j - 1), at(j), at(j + 1), at(j + 2));
            0.5 * (2.0 * p1
                + (-p0 + p2) * t
                + (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3) * t * t
                + (-p0 + 3.0 * p1 - 3.0 * p2 + p3) * t * t * t)
        })
        .collect()
}

// The two z-scores of the library. They differ on purpose and are named for it:
// `zscore_sample` is the hardware normaliser's (sample std, optional per-hardware statistics,
// a flat input passes through centred); `zscore_population` is `wifi_densepose.utils`'s
// `normalize_zscore` (population std, a flat input becomes all zeros).

/// (x − mean)/std with the given stats, else the data mean and sample std (1 if fewer than 2
/// values); a std below 1e-12 in magnitude counts as 1.
pub fn zscore_sample(x: ArrayView1<'_, f64>, stats: Option<(f64, f64)>) -> Array1<f64> {
    if stats.is_none() {
        // Scale-invariant: large values are scaled (exactly, by a power of two) first.
        return with_safe_scale(x, |x| zscore_unscaled(x, None)).0;
    }
    zscore_unscaled(x, stats)
}

/// (x − mean)/std_pop; all zeros when std_pop is below `f64::EPSILON` (relative to the data's
/// scale when it is near ±`f64::MAX`).
pub fn zscore_population(x: ArrayView1<'_, f64>) -> Array1<f64> {
    with_safe_scale(x, |x| {
        let (mean, std) = mean_std_pop(x);
        if std < f64::EPSILON {
            return Array1::zeros(x.len());
        }
        x.mapv(|v| (v - mean) / std)
    })
    .0
}

fn zscore_unscaled(x: ArrayView1<'_, f64>, stats: Option<(f64, f64)>) -> Array1<f64> {
    let (mean, std) = stats.unwrap_or_else(|| {
        let mean = crate::stats::mean(x.iter().copied());
        let std = if x.len() < 2 {
            1.0
        } else {
            crate::stats::var_samp(x.iter().copied()).sqrt()
        };
        (mean, std)
    });
    let std = if std.abs() < 1e-12 { 1.0 } else { std };
    x.mapv(|v| (v - mean) / std)
}

/// Subtracts the least-squares line over index 0…n−1; one sample gives 0, none gives [].
/// Values near ±`f64::MAX` are scaled (exactly) before the sums and scaled back after.
pub fn detrend_linear(y: ArrayView1<'_, f64>) -> Array1<f64> {
    let (out, scale) = with_safe_scale(y, detrend_linear_unscaled);
    if scale == 1.0 {
        out
    } else {
        out.mapv(|v| v / scale)
    }
}

fn detrend_linear_unscaled(y: ArrayView1<'_, f64>) -> Array1<f64> {
    let n = y.len();
    if n < 2 {
        return Array1::zeros(n);
    }
    let mean_i = (n - 1) as f64 / 2.0;
    let mean_y = crate::stats::mean(y.iter().copied());
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, &v) in y.iter().enumerate() {
        let di = i as f64 - mean_i;
        sxy += di * (v - mean_y);
        sxx += di * di;
    }
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_i;
    Array1::from_iter(
        y.iter()
            .enumerate()
            .map(|(i, &v)| v - (intercept + slope * i as f64)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;
    use wifi_densepose_core::{ErrorInfo, ErrorKind};

    fn wrap(v: f64) -> f64 {
        (v + PI).rem_euclid(2.0 * PI) - PI
    }

    fn normalizer(c: usize, order: PhaseOrder) -> HardwareNormalizer {
        HardwareNormalizer::new(c, order).unwrap()
    }

    #[test]
    fn hardware_table() {
        assert_eq!(HardwareType::detect(64), HardwareType::Esp32S3);
        assert_eq!(HardwareType::detect(30), HardwareType::Intel5300);
        assert_eq!(HardwareType::detect(56), HardwareType::Atheros);
        assert_eq!(HardwareType::detect(114), HardwareType::Generic);
        assert_eq!(
            (
                HardwareType::Esp32S3.subcarrier_count(),
                HardwareType::Esp32S3.mimo_streams()
            ),
            (64, 1)
        );
        assert_eq!(
            (
                HardwareType::Intel5300.subcarrier_count(),
                HardwareType::Intel5300.mimo_streams()
            ),
            (30, 3)
        );
        assert_eq!(
            (
                HardwareType::Atheros.subcarrier_count(),
                HardwareType::Atheros.mimo_streams()
            ),
            (56, 3)
        );
        assert_eq!(
            (
                HardwareType::Generic.subcarrier_count(),
                HardwareType::Generic.mimo_streams()
            ),
            (56, 1)
        );
        for hw in HardwareType::ALL {
            assert_eq!(hw.name().parse::<HardwareType>().unwrap(), hw);
        }
    }

    #[test]
    fn resampling() {
        let s: Vec<f64> = (0..56).map(|i| (0.3 * i as f64).sin()).collect();
        assert_eq!(catmull_rom_resample(&s, 56), s);
        for n in [64, 30] {
            let s: Vec<f64> = (0..n)
                .map(|i| (0.37 * i as f64).cos() * 3.0 + 0.1 * i as f64)
                .collect();
            let out = catmull_rom_resample(&s, 56);
            assert_eq!(out.len(), 56);
            assert_eq!(out[0].to_bits(), s[0].to_bits());
            assert_eq!(out[55].to_bits(), s[n - 1].to_bits());
        }
        // The spec's constant 3.14 (not π).
        let level = 314.0 / 100.0;
        let constant = vec![level; 64];
        assert!(catmull_rom_resample(&constant, 56)
            .iter()
            .all(|v| (v - level).abs() < 1e-10));
        assert_eq!(catmull_rom_resample(&[2.0], 4), vec![2.0; 4]);
        assert_eq!(catmull_rom_resample(&[2.0, 5.0], 1), vec![2.0]);
        // Catmull-Rom reproduces straight lines exactly in the interior.
        let line: Vec<f64> = (0..10).map(|i| 2.0 * i as f64).collect();
        let up = catmull_rom_resample(&line, 19);
        assert!((up[9] - 9.0).abs() < 1e-12);
    }

    #[test]
    fn population_zscore_uses_the_population_std() {
        // mean 4, population std √12.5 (sample std √(50/3)).
        let z = zscore_population(ndarray::array![1.0, 2.0, 3.0, 10.0].view());
        let expected = [-3.0, -2.0, -1.0, 6.0].map(|d| d / 12.5f64.sqrt());
        for (a, b) in z.iter().zip(expected) {
            assert!((a - b).abs() < 1e-15);
        }
        assert_eq!(
            zscore_population(Array1::from_elem(3, 7.0).view()).to_vec(),
            [0.0; 3]
        );
        // mean 0, population std 1e308: z = ±1 exactly.
        let x = ndarray::array![1e308, -1e308, 1e308, -1e308];
        assert_eq!(zscore_population(x.view()).to_vec(), [1.0, -1.0, 1.0, -1.0]);
    }

    #[test]
    fn zscore_and_detrend() {
        let x = Array1::from_iter((0..40).map(|i| (0.7 * i as f64).sin() * 5.0 + 2.0));
        let z = zscore_sample(x.view(), None);
        assert!(crate::stats::mean(z.iter().copied()).abs() < 1e-10);
        assert!((crate::stats::var_samp(z.iter().copied()).sqrt() - 1.0).abs() < 1e-10);
        assert_eq!(
            zscore_sample(ndarray::array![10.0, 20.0, 30.0].view(), Some((20.0, 10.0))).to_vec(),
            vec![-1.0, 0.0, 1.0]
        );
        assert!(zscore_sample(Array1::from_elem(5, 7.0).view(), None)
            .iter()
            .all(|&v| v == 0.0));
        let ramp = Array1::from_iter((0..30).map(|i| 0.5 * i as f64));
        assert!(detrend_linear(ramp.view()).iter().all(|v| v.abs() < 1e-10));
        assert!(detrend_linear(Array1::<f64>::zeros(0).view()).is_empty());
        assert_eq!(
            detrend_linear(ndarray::array![1.5].view()).to_vec(),
            vec![0.0]
        );
        let wrapped = Array1::from_iter((0..40).map(|i| wrap(0.4 * i as f64)));
        let u = unwrap_phase(wrapped.view());
        assert!(u.windows(2).into_iter().all(|w| (w[1] - w[0]).abs() < 1.0));
    }

    #[test]
    fn normalize_frames() {
        let n = normalizer(56, PhaseOrder::UnwrapFirst);
        let amp = Array1::from_iter((0..64).map(|i| 10.0 + (0.2 * i as f64).sin()));
        let ph = Array1::from_iter((0..64).map(|i| wrap(0.3 * i as f64)));
        let f = n
            .normalize(amp.view(), ph.view(), HardwareType::Esp32S3)
            .unwrap();
        assert_eq!(f.amplitude.len(), 56);
        assert!(crate::stats::mean(f.amplitude.iter().copied()).abs() < 0.1);
        let intel = n
            .normalize(
                amp.slice_axis(Axis(0), ndarray::Slice::from(..30)),
                ph.slice_axis(Axis(0), ndarray::Slice::from(..30)),
                HardwareType::Intel5300,
            )
            .unwrap();
        assert_eq!(intel.phase.len(), 56);
        let small = normalizer(32, PhaseOrder::UnwrapFirst)
            .normalize(amp.view(), ph.view(), HardwareType::Esp32S3)
            .unwrap();
        assert_eq!(small.amplitude.len(), 32);
    }

    #[test]
    fn registered_stats_are_used() {
        let mut n = normalizer(3, PhaseOrder::UnwrapFirst);
        n.set_hw_stats(HardwareType::Generic, 20.0, 10.0).unwrap();
        let f = n
            .normalize(
                ndarray::array![10.0, 20.0, 30.0].view(),
                ndarray::array![0.0, 0.0, 0.0].view(),
                HardwareType::Generic,
            )
            .unwrap();
        assert_eq!(f.amplitude.to_vec(), vec![-1.0, 0.0, 1.0]);
        assert!(n
            .set_hw_stats(HardwareType::Generic, f64::NAN, 1.0)
            .is_err());
    }

    #[test]
    fn errors() {
        let n = normalizer(56, PhaseOrder::UnwrapFirst);
        let e = n
            .normalize(
                Array1::zeros(0).view(),
                Array1::zeros(0).view(),
                HardwareType::Generic,
            )
            .unwrap_err();
        assert_eq!((e.kind(), e.code()), (ErrorKind::Shape, "EmptyFrame"));
        let e = n
            .normalize(
                Array1::zeros(3).view(),
                Array1::zeros(4).view(),
                HardwareType::Generic,
            )
            .unwrap_err();
        assert_eq!((e.kind(), e.code()), (ErrorKind::Shape, "LengthMismatch"));
        let e = HardwareNormalizer::new(0, PhaseOrder::UnwrapFirst).unwrap_err();
        assert_eq!(
            (e.kind(), e.code()),
            (ErrorKind::Configuration, "InvalidCanonical")
        );
        assert!("sideways".parse::<PhaseOrder>().is_err());
    }

    #[test]
    fn unwrap_first_is_exact_on_a_wrapped_ramp() {
        let amp = Array1::ones(64);
        let ph = Array1::from_iter((0..64).map(|i| wrap(i as f64)));
        let ours = normalizer(56, PhaseOrder::UnwrapFirst)
            .normalize(amp.view(), ph.view(), HardwareType::Esp32S3)
            .unwrap();
        assert!(ours.phase.iter().all(|v| v.abs() < 1e-6));
        let ruview = normalizer(56, PhaseOrder::ResampleFirst)
            .normalize(amp.view(), ph.view(), HardwareType::Esp32S3)
            .unwrap();
        assert!(ruview.phase.iter().any(|v| v.abs() > 1.0));
    }

    #[test]
    fn batch_equals_per_frame() {
        let n = normalizer(56, PhaseOrder::UnwrapFirst);
        let amp = Array2::from_shape_fn((4, 30), |(t, i)| 5.0 + ((t + i) as f64).sin());
        let ph = Array2::from_shape_fn((4, 30), |(t, i)| wrap(0.5 * (t * i) as f64));
        let batch = n
            .normalize_batch(amp.view(), ph.view(), HardwareType::Intel5300)
            .unwrap();
        for t in 0..4 {
            let f = n
                .normalize(amp.row(t), ph.row(t), HardwareType::Intel5300)
                .unwrap();
            assert_eq!(batch.amplitude.row(t), f.amplitude);
            assert_eq!(batch.phase.row(t), f.phase);
        }
        assert!(n
            .normalize_batch(amp.view(), ph.t(), HardwareType::Generic)
            .is_err());
    }

    #[test]
    fn extremes_stay_finite() {
        // A line through ±1e308 detrends to zeros; its z-scores are ±1 (sample std).
        let line = Array1::from(vec![-1e308, 0.0, 1e308]);
        assert_eq!(detrend_linear(line.view()).to_vec(), vec![0.0, 0.0, 0.0]);
        assert_eq!(
            zscore_sample(line.view(), None).to_vec(),
            vec![-1.0, 0.0, 1.0]
        );
    }
}
