//! Gesture recognition by dynamic time warping (Sakoe & Chiba 1978) against named templates.
//!
//! Sequences are row-major `[length, dim]` frames; the local cost is the Euclidean distance
//! between frames and the warping path is confined to a Sakoe–Chiba band `|i − j| ≤ w`
//! around the diagonal, widened to at least `|n − m|` so sequences of different lengths
//! always have a finite distance. Classification divides the DTW distance by `n + m` (a
//! length-independent score in feature units) and rejects a query whose best score exceeds
//! the threshold.

use serde::{Deserialize, Serialize};

use crate::error::{ensure_finite, Result, SensingError};

/// A non-empty, finite sequence of whole `dim`-wide frames.
fn check_sequence(field: &str, sequence: &[f64], dim: usize) -> Result<()> {
    if sequence.is_empty() || sequence.len() % dim != 0 {
        return Err(SensingError::shape(
            field,
            format!("a non-empty multiple of dim {dim} values"),
            sequence.len(),
        ));
    }
    ensure_finite(field, sequence, dim)
}

/// The DTW distance between row-major sequences `a` (`[n, dim]`) and `b` (`[m, dim]`) within
/// a Sakoe–Chiba band of half-width `max(band, |n − m|)` (`|i − j|` ≤ that, 0-based frame
/// indices). Unnormalised: the sum of local costs along the best path.
pub fn dtw(a: &[f64], b: &[f64], dim: usize, band: usize) -> Result<f64> {
    if dim == 0 {
        return Err(SensingError::validation("dim", "must be >= 1"));
    }
    check_sequence("a", a, dim)?;
    check_sequence("b", b, dim)?;
    let (n, m) = (a.len() / dim, b.len() / dim);
    let w = band.max(n.abs_diff(m));
    let mut prev = vec![f64::INFINITY; m + 1];
    let mut cur = vec![f64::INFINITY; m + 1];
    prev[0] = 0.0;
    for i in 1..=n {
        cur.iter_mut().for_each(|v| *v = f64::INFINITY);
        let lo = i.saturating_sub(w).max(1);
        let hi = (i + w).min(m);
        let ai = &a[(i - 1) * dim..i * dim];
        for j in lo..=hi {
            let bj = &b[(j - 1) * dim..j * dim];
            let cost = ai
                .iter()
                .zip(bj)
                .map(|(x, y)| (x - y).powi(2))
                .sum::<f64>()
                .sqrt();
            cur[j] = cost + prev[j].min(cur[j - 1]).min(prev[j - 1]);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    Ok(prev[m])
}

/// The result of [`GestureClassifier::classify`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GestureMatch {
    /// The best template's name, or `None` when rejected (or there are no templates).
    pub name: Option<String>,
    /// Best normalised DTW distance `D / (n + m)` (feature units; ∞ with no templates).
    pub distance: f64,
    /// 1 − best/second-best normalised distance (1 with one template), in [0, 1].
    pub margin: f64,
}

/// Nearest-template DTW classifier with a rejection threshold (one thread at a time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GestureClassifier {
    dim: usize,
    band: usize,
    threshold: f64,
    templates: Vec<(String, Vec<f64>)>,
}

impl GestureClassifier {
    /// `dim` features per frame, band half-width `band` frames, rejection `threshold` on the
    /// normalised distance (> 0, feature units).
    pub fn new(dim: usize, band: usize, threshold: f64) -> Result<Self> {
        if dim == 0 {
            return Err(SensingError::config("dim must be >= 1, got 0"));
        }
        SensingError::ensure_positive("threshold", threshold)?;
        Ok(GestureClassifier {
            dim,
            band,
            threshold,
            templates: Vec::new(),
        })
    }

    /// Adds (or replaces) the template `name`, a row-major `[length, dim]` sequence.
    pub fn add_template(&mut self, name: &str, sequence: &[f64]) -> Result<()> {
        if name.is_empty() {
            return Err(SensingError::validation("name", "must not be empty"));
        }
        check_sequence("sequence", sequence, self.dim)?;
        self.templates.retain(|(n, _)| n != name);
        self.templates.push((name.to_string(), sequence.to_vec()));
        Ok(())
    }

    /// Template names in insertion order.
    pub fn template_names(&self) -> Vec<String> {
        self.templates.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Classifies a row-major `[length, dim]` query.
    pub fn classify(&self, sequence: &[f64]) -> Result<GestureMatch> {
        check_sequence("sequence", sequence, self.dim)?;
        let mut scores = Vec::with_capacity(self.templates.len());
        for (name, template) in &self.templates {
            let d = dtw(sequence, template, self.dim, self.band)?;
            let frames = (sequence.len() + template.len()) / self.dim;
            scores.push((d / frames as f64, name));
        }
        if scores.is_empty() {
            return Ok(GestureMatch {
                name: None,
                distance: f64::INFINITY,
                margin: 0.0,
            });
        }
        scores.sort_by(|x, y| x.0.total_cmp(&y.0));
        let best = scores[0].0;
        let margin = match scores.get(1) {
            Some(&(second, _)) if second > 0.0 => (1.0 - best / second).clamp(0.0, 1.0),
            Some(_) => 0.0,
            None => 1.0,
        };
        let name = (best <= self.threshold).then(|| scores[0].1.clone());
        Ok(GestureMatch {
            name,
            distance: best,
            margin,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtw_of_the_stretched_ramp_is_one_and_a_half() {
        // [0, 1, 2, 3] against [0, 0.5, 1, ..., 3]: each half-step costs 0.5, three of them.
        let a = [0.0, 1.0, 2.0, 3.0];
        let b = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0];
        assert_eq!(dtw(&a, &b, 1, 4).unwrap(), 1.5);
        // A band narrower than the length difference is widened: still finite and exact.
        assert_eq!(dtw(&a, &b, 1, 0).unwrap(), 1.5);
        assert_eq!(dtw(&b, &a, 1, 2).unwrap(), 1.5);
        assert_eq!(dtw(&a, &a, 1, 0).unwrap(), 0.0);
        // 2-D frames: (0, 3) against (4, 0) costs the Euclidean distance 5.
        assert_eq!(dtw(&[0.0, 3.0], &[4.0, 0.0], 2, 1).unwrap(), 5.0);
    }

    fn wave(len: usize) -> Vec<f64> {
        (0..len)
            .map(|i| (2.0 * std::f64::consts::PI * i as f64 / len as f64).sin())
            .collect()
    }

    fn push(len: usize) -> Vec<f64> {
        (0..len).map(|i| i as f64 / len as f64).collect()
    }

    #[test]
    fn equal_length_templates_are_told_apart_and_stretch_is_recognised() {
        let mut c = GestureClassifier::new(1, 3, 0.2).unwrap();
        c.add_template("push", &push(20)).unwrap();
        c.add_template("wave", &wave(20)).unwrap();
        assert_eq!(c.classify(&wave(20)).unwrap().name.as_deref(), Some("wave"));
        assert_eq!(c.classify(&push(20)).unwrap().name.as_deref(), Some("push"));
        // The wave time-stretched ×1.5 (30 frames) is still a wave.
        let m = c.classify(&wave(30)).unwrap();
        assert_eq!(m.name.as_deref(), Some("wave"));
        assert!(m.distance.is_finite() && m.margin > 0.5);
        // sin and −sin differ.
        let neg: Vec<f64> = wave(20).iter().map(|v| -v).collect();
        assert_eq!(c.classify(&neg).unwrap().name, None);
        // Far from every template: rejected.
        assert_eq!(c.classify(&[5.0; 20]).unwrap().name, None);
        assert!(c.add_template("", &[1.0]).is_err());
        assert!(c
            .classify(&[f64::NAN])
            .unwrap_err()
            .to_string()
            .contains("sequence contains"));
    }
}
