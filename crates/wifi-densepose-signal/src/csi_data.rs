//! `CsiData`: one multi-antenna CSI frame, amplitude and phase as `[antenna, subcarrier]`.

use ndarray::{Array2, ArrayView2, ArrayView3, Axis};
use num_complex::Complex64;
use wifi_densepose_core::validate::{ensure_finite_array, ensure_finite_scalar, ensure_positive};
use wifi_densepose_core::{CsiFrame, Timestamp};

use crate::error::{SignalError, SignalResult};

/// Default carrier frequency (Hz) and bandwidth (Hz) of a frame.
pub const DEFAULT_FREQUENCY_HZ: f64 = 5e9;
pub const DEFAULT_BANDWIDTH_HZ: f64 = 20e6;
pub const DEFAULT_SNR_DB: f64 = 20.0;

/// The most antenna rows a frame may have: 1,024. Correlation and antenna-pair features hold
/// one value per pair, so their size grows with the square of the antenna count.
pub const MAX_ANTENNAS: usize = 1024;

/// One multi-antenna frame. Fields are validated on construction and private afterwards.
#[derive(Debug, Clone, PartialEq)]
pub struct CsiData {
    amplitude: Array2<f64>,
    phase: Array2<f64>,
    frequency_hz: f64,
    bandwidth_hz: f64,
    snr_db: f64,
    timestamp: Option<Timestamp>,
    pub(crate) noise_filtered: bool,
    pub(crate) windowed: bool,
    pub(crate) normalized: bool,
}

/// Rejects an empty array and any NaN/±Inf, naming `field`.
pub(crate) fn ensure_finite_nonempty(field: &str, values: ArrayView2<'_, f64>) -> SignalResult<()> {
    if values.is_empty() {
        return Err(SignalError::shape(
            field,
            "a non-empty [antenna, subcarrier] array",
            format!("shape {:?}", values.shape()),
        ));
    }
    ensure_finite_array(field, &values)?;
    Ok(())
}

/// Rejects a `phase` array whose shape differs from `amplitude`'s.
pub(crate) fn ensure_same_shape(amplitude: &[usize], phase: &[usize]) -> SignalResult<()> {
    if amplitude != phase {
        return Err(SignalError::length_mismatch(
            "phase",
            format!("shape {amplitude:?} (as amplitude)"),
            format!("shape {phase:?}"),
        ));
    }
    Ok(())
}

/// Checks a `[time, antenna, subcarrier]` amplitude/phase stream: equal shapes, not empty,
/// no NaN/±Inf (in that order).
pub(crate) fn ensure_finite_stream(
    amplitude: ArrayView3<'_, f64>,
    phase: ArrayView3<'_, f64>,
) -> SignalResult<()> {
    ensure_same_shape(amplitude.shape(), phase.shape())?;
    if amplitude.is_empty() {
        return Err(SignalError::shape(
            "amplitude",
            "a non-empty [time, antenna, subcarrier] array",
            format!("shape {:?}", amplitude.shape()),
        ));
    }
    ensure_finite_array("amplitude", &amplitude)?;
    ensure_finite_array("phase", &phase)?;
    Ok(())
}

impl CsiData {
    /// Builds a frame from `[antenna, subcarrier]` amplitude and phase of equal, non-empty shape.
    pub fn new(
        amplitude: Array2<f64>,
        phase: Array2<f64>,
        frequency_hz: f64,
        bandwidth_hz: f64,
        snr_db: f64,
        timestamp: Option<Timestamp>,
    ) -> SignalResult<Self> {
        ensure_finite_nonempty("amplitude", amplitude.view())?;
        ensure_finite_nonempty("phase", phase.view())?;
        ensure_same_shape(amplitude.shape(), phase.shape())?;
        if amplitude.nrows() > MAX_ANTENNAS {
            return Err(SignalError::validation(
                "amplitude",
                format!(
                    "at most {MAX_ANTENNAS} antenna rows, got {} (the antenna-pair features grow \
                     with the square of this count)",
                    amplitude.nrows()
                ),
            ));
        }
        ensure_positive("frequency_hz", frequency_hz)?;
        ensure_positive("bandwidth_hz", bandwidth_hz)?;
        ensure_finite_scalar("snr_db", snr_db)?;
        Ok(CsiData {
            amplitude,
            phase,
            frequency_hz,
            bandwidth_hz,
            snr_db,
            timestamp,
            noise_filtered: false,
            windowed: false,
            normalized: false,
        })
    }

    /// A frame with the default frequency, bandwidth and SNR and no timestamp.
    pub fn from_arrays(amplitude: Array2<f64>, phase: Array2<f64>) -> SignalResult<Self> {
        Self::new(
            amplitude,
            phase,
            DEFAULT_FREQUENCY_HZ,
            DEFAULT_BANDWIDTH_HZ,
            DEFAULT_SNR_DB,
            None,
        )
    }

    /// |z| and atan2(Im, Re) of complex CSI, with SNR 20 dB.
    pub fn from_complex(
        z: ArrayView2<'_, Complex64>,
        frequency_hz: f64,
        bandwidth_hz: f64,
    ) -> SignalResult<Self> {
        crate::ratio::ensure_finite_complex("z", &z)?;
        let amplitude = z.mapv(|c| c.re.hypot(c.im));
        let phase = z.mapv(|c| c.im.atan2(c.re));
        Self::new(
            amplitude,
            phase,
            frequency_hz,
            bandwidth_hz,
            DEFAULT_SNR_DB,
            None,
        )
    }

    /// A 1×S frame from a single-stream `CsiFrame` (its metadata timestamp, if any).
    pub fn from_frame(
        frame: &CsiFrame,
        frequency_hz: f64,
        bandwidth_hz: f64,
    ) -> SignalResult<Self> {
        let s = frame.n_subcarriers();
        let to_row = |v: &[f64]| Array2::from_shape_vec((1, s), v.to_vec());
        let amplitude =
            to_row(frame.amplitudes()).map_err(|e| SignalError::shape("amplitudes", s, e))?;
        let phase = to_row(frame.phases()).map_err(|e| SignalError::shape("phases", s, e))?;
        let timestamp = frame.metadata().map(|m| m.timestamp());
        Self::new(
            amplitude,
            phase,
            frequency_hz,
            bandwidth_hz,
            DEFAULT_SNR_DB,
            timestamp,
        )
    }

    /// amplitude·e^{j·phase}.
    pub fn to_complex(&self) -> Array2<Complex64> {
        ndarray::Zip::from(&self.amplitude)
            .and(&self.phase)
            .map_collect(|&a, &p| Complex64::from_polar(a, p))
    }

    /// Replaces the amplitude (same shape, finite), keeping everything else.
    pub(crate) fn with_amplitude(&self, amplitude: Array2<f64>) -> Self {
        CsiData {
            amplitude,
            ..self.clone()
        }
    }

    pub fn amplitude(&self) -> ArrayView2<'_, f64> {
        self.amplitude.view()
    }
    pub fn phase(&self) -> ArrayView2<'_, f64> {
        self.phase.view()
    }
    pub fn frequency_hz(&self) -> f64 {
        self.frequency_hz
    }
    pub fn bandwidth_hz(&self) -> f64 {
        self.bandwidth_hz
    }
    pub fn snr_db(&self) -> f64 {
        self.snr_db
    }
    pub fn timestamp(&self) -> Option<Timestamp> {
        self.timestamp
    }
    pub fn num_antennas(&self) -> usize {
        self.amplitude.len_of(Axis(0))
    }
    pub fn num_subcarriers(&self) -> usize {
        self.amplitude.len_of(Axis(1))
    }
    pub fn noise_filtered(&self) -> bool {
        self.noise_filtered
    }
    pub fn windowed(&self) -> bool {
        self.windowed
    }
    pub fn normalized(&self) -> bool {
        self.normalized
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(a: usize, s: usize) -> CsiData {
        let amp = Array2::from_shape_fn((a, s), |(i, j)| 1.0 + 0.1 * i as f64 + 0.01 * j as f64);
        let ph = Array2::from_shape_fn((a, s), |(i, j)| (0.05 * j as f64).sin() + 0.1 * i as f64);
        CsiData::from_arrays(amp, ph).unwrap()
    }

    #[test]
    fn shape_and_flags() {
        let d = frame(4, 64);
        assert_eq!((d.num_antennas(), d.num_subcarriers()), (4, 64));
        assert!(!d.noise_filtered() && !d.windowed() && !d.normalized());
    }

    #[test]
    fn complex_round_trip_is_within_1e_10() {
        let d = frame(4, 64);
        let back = CsiData::from_complex(d.to_complex().view(), 5e9, 20e6).unwrap();
        for (x, y) in d.amplitude().iter().zip(back.amplitude()) {
            assert!((x - y).abs() < 1e-10);
        }
        for (x, y) in d.phase().iter().zip(back.phase()) {
            assert!((x - y).abs() < 1e-10);
        }
    }

    #[test]
    fn rejects_bad_input() {
        let ok = Array2::<f64>::ones((2, 3));
        assert!(CsiData::from_arrays(Array2::zeros((0, 3)), Array2::zeros((0, 3))).is_err());
        assert!(CsiData::from_arrays(ok.clone(), Array2::ones((2, 4))).is_err());
        assert!(CsiData::new(ok.clone(), ok.clone(), 0.0, 20e6, 20.0, None).is_err());
        let mut bad = ok.clone();
        bad[[1, 2]] = f64::NAN;
        let err = CsiData::from_arrays(ok, bad).unwrap_err();
        assert_eq!(
            err.to_string(),
            "phase contains a non-finite value (NaN) at [1, 2]"
        );
    }

    #[test]
    fn from_single_stream_frame() {
        let f = CsiFrame::new(vec![1.0, 2.0], vec![0.1, 0.2], 2, 0, 100.0, None).unwrap();
        let d = CsiData::from_frame(&f, 5e9, 20e6).unwrap();
        assert_eq!(d.amplitude().shape(), &[1, 2]);
        assert_eq!(d.phase()[[0, 1]], 0.2);
    }
}
