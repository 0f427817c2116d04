//! The input of the feature stream: a `[time, antenna, subcarrier]` CSI sequence, built from
//! arrays or parsed from a reference JSON file such as `sample_csi_data.json`.

use ndarray::{Array2, Array3, ArrayView2};
use serde::Deserialize;
use wifi_densepose_core::validate::{ensure_finite, ensure_positive};
use wifi_densepose_core::CoreError;

use crate::error::{Result, WitnessError};

/// SHA-256 of the published reference input `sample_csi_data.json` (1,000 frames, 3 antennas,
/// 56 subcarriers, 100 Hz). Every bundle must carry exactly these bytes.
pub const REFERENCE_SHA256: &str =
    "36b948749a7249aeaa3f6749722484a739a78bb3a6abe2241b0ae3bdd11e5b65";

/// A validated CSI sequence: amplitude and phase (radians, wrapped to [−π, π]) of equal
/// `[time, antenna, subcarrier]` shape, with the radio parameters the stages need.
#[derive(Debug, Clone, PartialEq)]
pub struct CsiSequence {
    amplitude: Array3<f64>,
    phase: Array3<f64>,
    sampling_rate_hz: f64,
    frequency_hz: f64,
    bandwidth_hz: f64,
}

impl CsiSequence {
    /// Checks shapes (equal, non-empty), finiteness and the three rates (finite, > 0).
    pub fn new(
        amplitude: Array3<f64>,
        phase: Array3<f64>,
        sampling_rate_hz: f64,
        frequency_hz: f64,
        bandwidth_hz: f64,
    ) -> Result<Self> {
        if amplitude.is_empty() {
            return Err(CoreError::shape(
                "amplitude",
                "a non-empty [time, antenna, subcarrier] array",
                format!("shape {:?}", amplitude.shape()),
            )
            .into());
        }
        if phase.shape() != amplitude.shape() {
            return Err(CoreError::shape(
                "phase",
                format!("shape {:?} (as amplitude)", amplitude.shape()),
                format!("shape {:?}", phase.shape()),
            )
            .into());
        }
        ensure_finite("amplitude", amplitude.iter())?;
        ensure_finite("phase", phase.iter())?;
        ensure_positive("sampling_rate_hz", sampling_rate_hz)?;
        ensure_positive("frequency_hz", frequency_hz)?;
        ensure_positive("bandwidth_hz", bandwidth_hz)?;
        Ok(CsiSequence {
            amplitude,
            phase,
            sampling_rate_hz,
            frequency_hz,
            bandwidth_hz,
        })
    }

    /// Parses a reference JSON document (the layout of `sample_csi_data.json`): top-level
    /// `sampling_rate_hz`, `frequency_hz`, `bandwidth_hz` and `frames`, each frame holding
    /// `amplitude` and `phase` as `[antenna][subcarrier]` lists. Other keys are ignored.
    pub fn from_reference_json(bytes: &[u8]) -> Result<Self> {
        let document: ReferenceDocument = serde_json::from_slice(bytes)
            .map_err(|e| WitnessError::reference(format!("not a reference CSI document: {e}")))?;
        let first = document
            .frames
            .first()
            .ok_or_else(|| WitnessError::reference("frames: expected at least 1 frame, got 0"))?;
        let antennas = first.amplitude.len();
        let subcarriers = first.amplitude.first().map_or(0, Vec::len);
        let shape = (document.frames.len(), antennas, subcarriers);
        let mut amplitude = Array3::zeros(shape);
        let mut phase = Array3::zeros(shape);
        for (t, frame) in document.frames.iter().enumerate() {
            let a = rectangular(&frame.amplitude, antennas, subcarriers, t, "amplitude")?;
            let p = rectangular(&frame.phase, antennas, subcarriers, t, "phase")?;
            amplitude.index_axis_mut(ndarray::Axis(0), t).assign(&a);
            phase.index_axis_mut(ndarray::Axis(0), t).assign(&p);
        }
        Self::new(
            amplitude,
            phase,
            document.sampling_rate_hz,
            document.frequency_hz,
            document.bandwidth_hz,
        )
    }

    pub fn amplitude(&self) -> &Array3<f64> {
        &self.amplitude
    }

    pub fn phase(&self) -> &Array3<f64> {
        &self.phase
    }

    pub fn sampling_rate_hz(&self) -> f64 {
        self.sampling_rate_hz
    }

    pub fn frequency_hz(&self) -> f64 {
        self.frequency_hz
    }

    pub fn bandwidth_hz(&self) -> f64 {
        self.bandwidth_hz
    }

    pub fn num_frames(&self) -> usize {
        self.amplitude.dim().0
    }

    pub fn num_antennas(&self) -> usize {
        self.amplitude.dim().1
    }

    pub fn num_subcarriers(&self) -> usize {
        self.amplitude.dim().2
    }

    /// Frame `t` (< `num_frames()`) as `[antenna, subcarrier]` views of amplitude and phase.
    pub(crate) fn frame(&self, t: usize) -> (ArrayView2<'_, f64>, ArrayView2<'_, f64>) {
        let axis = ndarray::Axis(0);
        (
            self.amplitude.index_axis(axis, t),
            self.phase.index_axis(axis, t),
        )
    }
}

#[derive(Deserialize)]
struct ReferenceDocument {
    sampling_rate_hz: f64,
    frequency_hz: f64,
    bandwidth_hz: f64,
    frames: Vec<ReferenceFrame>,
}

#[derive(Deserialize)]
struct ReferenceFrame {
    amplitude: Vec<Vec<f64>>,
    phase: Vec<Vec<f64>>,
}

/// The `[antennas, subcarriers]` array of frame `t`, or an error naming the frame and row.
fn rectangular(
    rows: &[Vec<f64>],
    antennas: usize,
    subcarriers: usize,
    t: usize,
    field: &str,
) -> Result<Array2<f64>> {
    if rows.len() != antennas {
        return Err(WitnessError::reference(format!(
            "frames[{t}].{field}: expected {antennas} antenna rows (as frame 0), got {}",
            rows.len()
        )));
    }
    let mut out = Array2::zeros((antennas, subcarriers));
    for (i, row) in rows.iter().enumerate() {
        if row.len() != subcarriers {
            return Err(WitnessError::reference(format!(
                "frames[{t}].{field}[{i}]: expected {subcarriers} subcarriers (as frame 0), got {}",
                row.len()
            )));
        }
        out.row_mut(i)
            .assign(&ndarray::ArrayView1::from(row.as_slice()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wifi_densepose_core::{ErrorInfo, ErrorKind};

    fn document(frames: &str) -> String {
        format!(
            r#"{{"description": "x", "sampling_rate_hz": 100, "frequency_hz": 5.21e9,
                "bandwidth_hz": 17500000.0, "frames": [{frames}]}}"#
        )
    }

    #[test]
    fn parses_frames_and_rates() {
        let json = document(
            r#"{"frame_index": 0, "amplitude": [[1.5, 2.0], [3.0, 4.0]], "phase": [[0.1, 0.2], [0.3, -0.4]]},
               {"frame_index": 1, "amplitude": [[1.0, 1.0], [1.0, 1.0]], "phase": [[0, 0], [0, 0]]}"#,
        );
        let s = CsiSequence::from_reference_json(json.as_bytes()).unwrap();
        assert_eq!(
            (s.num_frames(), s.num_antennas(), s.num_subcarriers()),
            (2, 2, 2)
        );
        assert_eq!(s.amplitude()[[0, 1, 0]], 3.0);
        assert_eq!(s.phase()[[0, 1, 1]], -0.4);
        assert_eq!(
            (s.sampling_rate_hz(), s.frequency_hz(), s.bandwidth_hz()),
            (100.0, 5.21e9, 17.5e6)
        );
    }

    #[test]
    fn ragged_or_empty_documents_name_the_place() {
        let ragged = document(
            r#"{"amplitude": [[1.0, 2.0]], "phase": [[0.0, 0.0]]},
               {"amplitude": [[1.0]], "phase": [[0.0, 0.0]]}"#,
        );
        let e = CsiSequence::from_reference_json(ragged.as_bytes()).unwrap_err();
        assert_eq!(e.code(), "InvalidReference");
        assert!(e.to_string().contains("frames[1].amplitude[0]"), "{e}");

        let e = CsiSequence::from_reference_json(document("").as_bytes()).unwrap_err();
        assert!(e.to_string().contains("at least 1 frame"), "{e}");

        let e = CsiSequence::from_reference_json(b"{\"frames\": 3").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }

    #[test]
    fn rejects_mismatched_shapes_and_bad_rates() {
        let a = Array3::<f64>::ones((2, 1, 4));
        let e =
            CsiSequence::new(a.clone(), Array3::zeros((2, 1, 3)), 100.0, 5e9, 20e6).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Shape);
        assert!(e.to_string().contains("phase"), "{e}");
        let e = CsiSequence::new(a.clone(), Array3::zeros((2, 1, 4)), 0.0, 5e9, 20e6).unwrap_err();
        assert!(e.to_string().contains("sampling_rate_hz"), "{e}");
        let mut bad = a.clone();
        bad[[1, 0, 2]] = f64::NAN;
        let e = CsiSequence::new(bad, Array3::zeros((2, 1, 4)), 100.0, 5e9, 20e6).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NonFinite);
    }
}
