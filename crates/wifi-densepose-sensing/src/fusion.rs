//! Putting several nodes on one footing: picking each node's frames for a common time grid,
//! fusing per-node vectors weighted by link quality, and a geometric diversity score of the
//! node layout. (Interpolating onto a uniform grid is `wifi_densepose_vitals::resample`; the
//! occupancy count needs each frame's own noise, so it picks frames instead.)

use serde::{Deserialize, Serialize};

use crate::error::{ensure_finite, Result, SensingError};

/// For each grid time `t0_s + k·dt_s` (`k < n`), the index of the nearest frame of
/// `timestamps_s` (strictly increasing) when it is at most `max_offset_s` away, using every
/// frame at most once (a later grid point that would reuse a frame gets `None`). Unlike
/// interpolation this keeps each frame's noise intact and independent across grid points,
/// which the occupancy count's noise model needs.
pub fn nearest_frames(
    timestamps_s: &[f64],
    t0_s: f64,
    dt_s: f64,
    n: usize,
    max_offset_s: f64,
) -> Result<Vec<Option<usize>>> {
    ensure_finite("timestamps_s", timestamps_s, 0)?;
    if let Some(i) = timestamps_s.windows(2).position(|w| w[1] <= w[0]) {
        return Err(SensingError::validation(
            "timestamps_s",
            format!(
                "must increase strictly, got {} at [{}] after {}",
                timestamps_s[i + 1],
                i + 1,
                timestamps_s[i]
            ),
        ));
    }
    SensingError::ensure_positive("dt_s", dt_s)?;
    SensingError::ensure_positive("max_offset_s", max_offset_s)?;
    if !t0_s.is_finite() {
        return Err(SensingError::validation(
            "t0_s",
            format!("must be finite, got {t0_s}"),
        ));
    }
    if n > 10_000_000 {
        return Err(SensingError::validation(
            "n",
            format!("must be <= 10000000 grid points, got {n}"),
        ));
    }
    let mut out = vec![None; n];
    let mut i = 0usize;
    let mut last: Option<usize> = None;
    for (k, slot) in out.iter_mut().enumerate() {
        if timestamps_s.is_empty() {
            break;
        }
        let t = t0_s + k as f64 * dt_s;
        while i + 1 < timestamps_s.len() && timestamps_s[i + 1] <= t {
            i += 1;
        }
        let best = if i + 1 < timestamps_s.len()
            && (timestamps_s[i + 1] - t).abs() < (t - timestamps_s[i]).abs()
        {
            i + 1
        } else {
            i
        };
        if (timestamps_s[best] - t).abs() <= max_offset_s && last != Some(best) {
            *slot = Some(best);
            last = Some(best);
        }
    }
    Ok(out)
}

/// The result of [`fuse_nodes`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FusedFrame {
    /// The weighted mean vector.
    pub fused: Vec<f64>,
    /// Per-node weights, summing to 1.
    pub weights: Vec<f64>,
    /// Weight evenness `(Σw)² / (N Σw²)` in [1/N, 1]: 1 when all nodes count equally.
    pub coherence: f64,
}

/// Fuses `n` node vectors (row-major `[n, width]`) that measure the same quantity, weighting
/// node `i` by its link quality `1/σ²_i` (`noise_variance[i]` > 0): the minimum-variance
/// linear combination for independent noise.
pub fn fuse_nodes(frames: &[f64], width: usize, noise_variance: &[f64]) -> Result<FusedFrame> {
    let n = noise_variance.len();
    if n == 0 {
        return Err(SensingError::validation(
            "noise_variance",
            "need at least one node",
        ));
    }
    if width == 0 || frames.len() != n * width {
        return Err(SensingError::shape(
            "frames",
            format!("{n} × {width} values"),
            frames.len(),
        ));
    }
    ensure_finite("frames", frames, width)?;
    if let Some(i) = noise_variance
        .iter()
        .position(|v| !(v.is_finite() && *v > 0.0))
    {
        return Err(SensingError::validation(
            "noise_variance",
            format!("must be finite and > 0, got {} at [{i}]", noise_variance[i]),
        ));
    }
    let q: Vec<f64> = noise_variance.iter().map(|v| 1.0 / v).collect();
    let total: f64 = q.iter().sum();
    let weights: Vec<f64> = q.iter().map(|x| x / total).collect();
    let mut fused = vec![0.0; width];
    for (i, w) in weights.iter().enumerate() {
        for c in 0..width {
            fused[c] += w * frames[i * width + c];
        }
    }
    let coherence = if noise_variance.iter().all(|v| *v == noise_variance[0]) {
        1.0
    } else {
        (total * total / (n as f64 * q.iter().map(|x| x * x).sum::<f64>())).min(1.0)
    };
    Ok(FusedFrame {
        fused,
        weights,
        coherence,
    })
}

/// How evenly the nodes surround their centroid: with their bearings from the centroid
/// sorted and `g` the largest angular gap (wrapping), `min(1, (2π/N) / g)`; 0 for fewer than
/// two nodes. Nodes evenly on a circle score 1.
pub fn geometric_diversity(positions: &[[f64; 2]]) -> Result<f64> {
    for (i, p) in positions.iter().enumerate() {
        ensure_finite(&format!("positions[{i}]"), p, 0)?;
    }
    let n = positions.len();
    if n < 2 {
        return Ok(0.0);
    }
    let cx = positions.iter().map(|p| p[0]).sum::<f64>() / n as f64;
    let cy = positions.iter().map(|p| p[1]).sum::<f64>() / n as f64;
    let mut angles: Vec<f64> = positions
        .iter()
        .map(|p| (p[1] - cy).atan2(p[0] - cx))
        .collect();
    angles.sort_by(f64::total_cmp);
    let tau = 2.0 * std::f64::consts::PI;
    let mut gap = angles[0] + tau - angles[n - 1];
    for w in angles.windows(2) {
        gap = gap.max(w[1] - w[0]);
    }
    Ok(if gap <= 0.0 {
        0.0
    } else {
        (tau / n as f64 / gap).min(1.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_nodes_get_equal_weights_and_coherence_one() {
        let a = [1.0, 2.0, 3.0];
        let frames: Vec<f64> = a.iter().chain(&a).chain(&a).copied().collect();
        let f = fuse_nodes(&frames, 3, &[0.5, 0.5, 0.5]).unwrap();
        assert_eq!(f.coherence, 1.0);
        for w in &f.weights {
            assert!((w - 1.0 / 3.0).abs() < 1e-15);
        }
        for (x, y) in f.fused.iter().zip(a) {
            assert!((x - y).abs() < 1e-12);
        }
        // Inverse-variance weights: σ² = (1, 3) → (0.75, 0.25); fused = 0.75·a + 0.25·b.
        let f = fuse_nodes(&[0.0, 4.0, 4.0, 0.0], 2, &[1.0, 3.0]).unwrap();
        assert_eq!(f.weights, vec![0.75, 0.25]);
        assert_eq!(f.fused, vec![1.0, 3.0]);
        // (Σq)²/(NΣq²) with q = (1, 1/3): (16/9)/(2·10/9) = 0.8.
        assert!((f.coherence - 0.8).abs() < 1e-12);
        assert!(fuse_nodes(&[1.0], 1, &[0.0])
            .unwrap_err()
            .to_string()
            .contains("[0]"));
    }

    #[test]
    fn diversity_of_circle_and_line() {
        let circle: Vec<[f64; 2]> = (0..5)
            .map(|k| {
                let a = 2.0 * std::f64::consts::PI * k as f64 / 5.0;
                [a.cos(), a.sin()]
            })
            .collect();
        assert!((geometric_diversity(&circle).unwrap() - 1.0).abs() < 1e-12);
        // Collinear x = −1, 0, 1: gaps (0, π, π) → (2π/3)/π = 2/3.
        let line = [[-1.0, 0.0], [0.0, 0.0], [1.0, 0.0]];
        assert!((geometric_diversity(&line).unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(geometric_diversity(&[[0.0, 0.0]]).unwrap(), 0.0);
    }

    #[test]
    fn nearest_frames_never_reuse_a_frame() {
        let ts = [0.0, 0.09, 0.31, 0.4, 1.0];
        // Grid 0, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9 (dt 0.15), max offset 0.1:
        // 0 → 0; 0.15 → 1 (0.06 away); 0.3 → 2; 0.45 → 3; 0.6 → none within 0.1;
        // 0.75 → none; 0.9 → 4 (0.1 away).
        let got = nearest_frames(&ts, 0.0, 0.15, 7, 0.1 + 1e-9).unwrap();
        assert_eq!(
            got,
            vec![Some(0), Some(1), Some(2), Some(3), None, None, Some(4)]
        );
        // A frame nearest to two grid points is used once.
        let got = nearest_frames(&[0.0, 1.0], 0.0, 0.05, 3, 0.2).unwrap();
        assert_eq!(got, vec![Some(0), None, None]);
    }
}
