//! The empty-room field model: per link, the mean CSI amplitude profile and a background
//! subspace of environmental variation found by PCA, learnt from frames recorded with nobody
//! in the room; then the perturbation of new frames against it.
//!
//! Each link is centred on **its own** mean (pooling links around a mean of means would add
//! the between-link scatter of the means as a fake environmental mode).
//!
//! **Number of background components** (the documented rule): the eigenvalues of the link's
//! calibration covariance that stand out of its noise bulk by the Marchenko–Pastur +
//! Tracy–Widom test of [`crate::occupancy::count_components`], capped at `max_modes`
//! (default 5). Those directions are environmental (fans, doors, slow drift) and are removed
//! from every later frame; the rest is the noise subspace, whose variance σ̂² (the unbiased
//! MP estimate) normalises the perturbation.
//!
//! **Perturbation** of a frame `x` on link `l`: `r = P⊥(x − μ_l)`, the residual outside the
//! background subspace. Its normalised energy `‖r‖² / (σ̂²_l (S − K_l))` is ≈ 1 in the empty
//! room and grows with anything that was not there during calibration.

use serde::{Deserialize, Serialize};

use crate::error::{ensure_finite, Result, SensingError};
use crate::linalg::symmetric_eigen;
use crate::occupancy::{count_components, ComponentCount, OccupancyConfig};

/// Presence and person count of one window against a [`FieldModel`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Occupancy {
    /// Something the empty room did not have is in the window (at least one component).
    pub presence: bool,
    /// People counted (0 when the count is not valid).
    pub person_count: usize,
    /// Whether `person_count` can be trusted (see `components.reason` when not).
    pub person_count_valid: bool,
    /// Mean normalised perturbation energy per link over the window (≈ 1 when empty).
    pub link_energy: Vec<f64>,
    /// The component count behind the estimate.
    pub components: ComponentCount,
}

/// The identifier written into every saved model.
pub const FIELD_MODEL_FORMAT: &str = "wifi-densepose-field-model/1";

/// Settings of [`FieldModel::fit`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationConfig {
    /// Fewest calibration frames per link (≥ 2 × subcarriers is enforced as well).
    pub min_frames: usize,
    /// Most background components kept per link.
    pub max_modes: usize,
    /// Tracy–Widom margin of the component test (see [`OccupancyConfig::tw_margin`]).
    pub tw_margin: f64,
}

impl Default for CalibrationConfig {
    fn default() -> Self {
        CalibrationConfig {
            min_frames: 100,
            max_modes: 5,
            tw_margin: crate::occupancy::TW_MARGIN_DEFAULT,
        }
    }
}

/// One link's part of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkModel {
    /// Mean amplitude per subcarrier.
    pub mean: Vec<f64>,
    /// The background components: unit vectors over subcarriers, strongest first.
    pub modes: Vec<Vec<f64>>,
    /// Calibration variance along each mode (amplitude units squared).
    pub mode_variances: Vec<f64>,
    /// The noise variance σ̂² per subcarrier (amplitude units squared), > 0.
    pub noise_variance: f64,
    /// Per-subcarrier standard deviation of the calibration residuals (amplitude units, > 0):
    /// the scale that whitens a residual when subcarriers are not equally noisy (deep fades,
    /// clipped int8 values).
    pub residual_sd: Vec<f64>,
    /// Whether each subcarrier varied during calibration; dead ones (nulls, guards) are left
    /// out of the residual, the energy and the count.
    pub active: Vec<bool>,
    /// Calibration frames the link was fitted on.
    pub n_frames: usize,
}

/// A fitted empty-room model over `n_links` links of `n_subcarriers` amplitudes each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "FieldModelData")]
pub struct FieldModel {
    format: String,
    n_subcarriers: usize,
    links: Vec<LinkModel>,
    /// Optional names of the links (e.g. node ids), empty or one per link.
    #[serde(default)]
    labels: Vec<String>,
}

/// The unchecked serialised form; [`FieldModel`] validates it on load.
#[derive(Debug, Clone, Deserialize)]
struct FieldModelData {
    format: String,
    n_subcarriers: usize,
    links: Vec<LinkModel>,
    #[serde(default)]
    labels: Vec<String>,
}

impl TryFrom<FieldModelData> for FieldModel {
    type Error = SensingError;

    fn try_from(data: FieldModelData) -> Result<Self> {
        if data.format != FIELD_MODEL_FORMAT {
            return Err(SensingError::validation(
                "format",
                format!("expected {FIELD_MODEL_FORMAT:?}, got {:?}", data.format),
            ));
        }
        let s = data.n_subcarriers;
        if s < 4 {
            return Err(SensingError::validation(
                "n_subcarriers",
                format!("must be >= 4, got {s}"),
            ));
        }
        if data.links.is_empty() {
            return Err(SensingError::validation(
                "links",
                "must hold at least one link",
            ));
        }
        for (l, link) in data.links.iter().enumerate() {
            let field = |name: &str| format!("links[{l}].{name}");
            if link.mean.len() != s {
                return Err(SensingError::shape(field("mean"), s, link.mean.len()));
            }
            ensure_finite(&field("mean"), &link.mean, 0)?;
            if link.modes.len() != link.mode_variances.len() || link.modes.len() >= s {
                return Err(SensingError::validation(
                    field("modes"),
                    format!(
                        "{} modes with {} variances (need equal counts, fewer than {s})",
                        link.modes.len(),
                        link.mode_variances.len()
                    ),
                ));
            }
            for (k, mode) in link.modes.iter().enumerate() {
                if mode.len() != s {
                    return Err(SensingError::shape(
                        format!("links[{l}].modes[{k}]"),
                        s,
                        mode.len(),
                    ));
                }
                ensure_finite(&format!("links[{l}].modes[{k}]"), mode, 0)?;
                let norm: f64 = mode.iter().map(|v| v * v).sum::<f64>().sqrt();
                if (norm - 1.0).abs() > 1e-6 {
                    return Err(SensingError::validation(
                        format!("links[{l}].modes[{k}]"),
                        format!("must be a unit vector, has norm {norm}"),
                    ));
                }
            }
            if link.active.len() != s {
                return Err(SensingError::shape(field("active"), s, link.active.len()));
            }
            if link.active.iter().filter(|&&on| on).count() <= link.modes.len() {
                return Err(SensingError::validation(
                    field("active"),
                    "needs more active subcarriers than modes",
                ));
            }
            if link.residual_sd.len() != s {
                return Err(SensingError::shape(
                    field("residual_sd"),
                    s,
                    link.residual_sd.len(),
                ));
            }
            if let Some(k) = link
                .residual_sd
                .iter()
                .position(|v| !(v.is_finite() && *v > 0.0))
            {
                return Err(SensingError::validation(
                    format!("links[{l}].residual_sd[{k}]"),
                    format!("must be finite and > 0, got {}", link.residual_sd[k]),
                ));
            }
            if !(link.noise_variance.is_finite() && link.noise_variance > 0.0) {
                return Err(SensingError::validation(
                    field("noise_variance"),
                    format!("must be finite and > 0, got {}", link.noise_variance),
                ));
            }
        }
        if !data.labels.is_empty() && data.labels.len() != data.links.len() {
            return Err(SensingError::shape(
                "labels",
                data.links.len(),
                data.labels.len(),
            ));
        }
        Ok(FieldModel {
            format: data.format,
            n_subcarriers: s,
            links: data.links,
            labels: data.labels,
        })
    }
}

impl FieldModel {
    /// Fits one [`LinkModel`] per entry of `links`, each a row-major `[t_l, n_subcarriers]`
    /// array of empty-room amplitudes (links may have different frame counts).
    pub fn fit(
        links: &[(&[f64], usize)],
        n_subcarriers: usize,
        config: &CalibrationConfig,
    ) -> Result<Self> {
        let s = n_subcarriers;
        if s < 4 {
            return Err(SensingError::validation(
                "n_subcarriers",
                format!("must be >= 4, got {s}"),
            ));
        }
        if links.is_empty() {
            return Err(SensingError::validation("links", "need at least one link"));
        }
        if config.max_modes >= s {
            return Err(SensingError::config(format!(
                "max_modes must be < n_subcarriers ({s}), got {}",
                config.max_modes
            )));
        }
        let occupancy = OccupancyConfig {
            min_frames: 4,
            tw_margin: config.tw_margin,
            max_count: s,
        };
        occupancy.validate()?;
        let need = config.min_frames.max(2 * s);
        let mut models = Vec::with_capacity(links.len());
        for (l, &(values, t)) in links.iter().enumerate() {
            let field = format!("links[{l}]");
            if values.len() != t * s {
                return Err(SensingError::shape(
                    &field,
                    format!("{t} × {s} values"),
                    values.len(),
                ));
            }
            if t < need {
                return Err(SensingError::InsufficientData {
                    field: format!("{field} frames"),
                    required: need,
                    available: t,
                });
            }
            ensure_finite(&field, values, s)?;
            let mean: Vec<f64> = (0..s)
                .map(|c| (0..t).map(|r| values[r * s + c]).sum::<f64>() / t as f64)
                .collect();
            // Dead subcarriers (nulls, guards: constant in every frame) carry no noise; they
            // are left out so they do not pull the noise estimate down.
            let active: Vec<bool> = (0..s)
                .map(|c| (0..t).any(|r| values[r * s + c] != values[c]))
                .collect();
            let cols: Vec<usize> = (0..s).filter(|&c| active[c]).collect();
            let a = cols.len();
            if a <= config.max_modes.max(3) {
                return Err(SensingError::Computation {
                    message: format!(
                        "{field}: only {a} subcarriers vary during calibration, need more than {}",
                        config.max_modes.max(3)
                    ),
                });
            }
            let sub_values: Vec<f64> = values
                .chunks_exact(s)
                .flat_map(|row| cols.iter().map(move |&c| row[c]))
                .collect();
            let counted = count_components(&sub_values, t, a, &occupancy)?;
            if counted.noise_variance <= 0.0 {
                return Err(SensingError::Computation {
                    message: format!(
                        "{field}: the calibration frames have no noise floor (constant amplitudes)"
                    ),
                });
            }
            // Two-pass centred covariance for the eigenvectors.
            let sub_mean: Vec<f64> = cols.iter().map(|&c| mean[c]).collect();
            let mut cov = vec![0.0; a * a];
            for row in sub_values.chunks_exact(a) {
                for i in 0..a {
                    let di = row[i] - sub_mean[i];
                    for j in i..a {
                        cov[i * a + j] += di * (row[j] - sub_mean[j]);
                    }
                }
            }
            cov.iter_mut().for_each(|v| *v /= (t - 1) as f64);
            let (values_desc, vectors) = symmetric_eigen(&cov, a);
            let k = counted.significant_components.min(config.max_modes);
            // Modes over all subcarriers: zero on the dead ones.
            let modes: Vec<Vec<f64>> = vectors[..k]
                .iter()
                .map(|v| {
                    let mut full = vec![0.0; s];
                    cols.iter().zip(v).for_each(|(&c, x)| full[c] = *x);
                    full
                })
                .collect();
            let modes = &modes[..];
            let mut residual_var = vec![0.0; s];
            let mut r = vec![0.0; s];
            for row in values.chunks_exact(s) {
                project_out(row, &mean, modes, &active, &mut r);
                residual_var
                    .iter_mut()
                    .zip(&r)
                    .for_each(|(acc, v)| *acc += v * v);
            }
            let floor = 0.05 * counted.noise_variance.sqrt();
            let residual_sd = residual_var
                .iter()
                .zip(&active)
                .map(|(v, &on)| {
                    if on {
                        (v / (t - 1) as f64).sqrt().max(floor)
                    } else {
                        1.0
                    }
                })
                .collect();
            models.push(LinkModel {
                mean,
                modes: modes.to_vec(),
                mode_variances: values_desc[..k].to_vec(),
                noise_variance: counted.noise_variance,
                residual_sd,
                active,
                n_frames: t,
            });
        }
        Ok(FieldModel {
            format: FIELD_MODEL_FORMAT.to_string(),
            n_subcarriers: s,
            links: models,
            labels: Vec::new(),
        })
    }

    /// Names the links (one label per link, e.g. the node ids of a recording).
    pub fn with_labels(mut self, labels: Vec<String>) -> Result<Self> {
        if labels.len() != self.links.len() {
            return Err(SensingError::shape(
                "labels",
                self.links.len(),
                labels.len(),
            ));
        }
        self.labels = labels;
        Ok(self)
    }

    /// The link names (empty when none were given).
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    pub fn n_links(&self) -> usize {
        self.links.len()
    }

    pub fn n_subcarriers(&self) -> usize {
        self.n_subcarriers
    }

    pub fn links(&self) -> &[LinkModel] {
        &self.links
    }

    /// The residual `P⊥(x − μ_l)` of one frame on link `link`.
    pub fn residual(&self, link: usize, frame: &[f64]) -> Result<Vec<f64>> {
        let model = self.link(link)?;
        if frame.len() != self.n_subcarriers {
            return Err(SensingError::shape(
                "frame",
                self.n_subcarriers,
                frame.len(),
            ));
        }
        ensure_finite("frame", frame, 0)?;
        let mut r = vec![0.0; frame.len()];
        project_out(frame, &model.mean, &model.modes, &model.active, &mut r);
        Ok(r)
    }

    /// Normalised perturbation energy `‖r‖² / (σ̂² (S − K))` of one frame on link `link`
    /// (≈ 1 in the empty room, dimensionless).
    pub fn perturbation_energy(&self, link: usize, frame: &[f64]) -> Result<f64> {
        let r = self.residual(link, frame)?;
        let model = &self.links[link];
        let active = model.active.iter().filter(|&&on| on).count();
        let dof = (active - model.modes.len()) as f64;
        Ok(r.iter().map(|v| v * v).sum::<f64>() / (model.noise_variance * dof))
    }

    /// The frame's residual divided per subcarrier by the calibration residual's standard
    /// deviation, so the empty room's noise has unit variance on every subcarrier of every
    /// link (the input of the occupancy count).
    pub fn whitened_residual(&self, link: usize, frame: &[f64]) -> Result<Vec<f64>> {
        let mut r = self.residual(link, frame)?;
        r.iter_mut()
            .zip(&self.links[link].residual_sd)
            .for_each(|(v, sd)| *v /= sd);
        Ok(r)
    }

    /// Presence and person count of a window of `t` time-aligned frames of every link
    /// (row-major `[t, n_links, n_subcarriers]` amplitudes): the whitened residuals of all
    /// links are stacked per frame and their independent components counted
    /// ([`count_components`]). Each person sitting still adds one component (more when the
    /// breathing motion is large against the wavelength); a walking person adds several per
    /// link, which the count reports as not valid rather than as a number of people.
    pub fn occupancy(
        &self,
        window: &[f64],
        t: usize,
        config: &OccupancyConfig,
    ) -> Result<Occupancy> {
        let (l_count, s) = (self.links.len(), self.n_subcarriers);
        if window.len() != t * l_count * s {
            return Err(SensingError::shape(
                "window",
                format!("{t} × {l_count} × {s} values ([frames, links, subcarriers])"),
                window.len(),
            ));
        }
        ensure_finite("window", window, l_count * s)?;
        let mut stacked = Vec::with_capacity(window.len());
        let mut link_energy = vec![0.0; l_count];
        for frame in window.chunks_exact(l_count * s) {
            for (l, row) in frame.chunks_exact(s).enumerate() {
                let w = self.whitened_residual(l, row)?;
                let active = &self.links[l].active;
                stacked.extend(w.iter().zip(active).filter(|(_, &on)| on).map(|(v, _)| *v));
                link_energy[l] += self.perturbation_energy(l, row)? / t.max(1) as f64;
            }
        }
        let width = self
            .links
            .iter()
            .flat_map(|l| &l.active)
            .filter(|&&on| on)
            .count();
        let components = count_components(&stacked, t, width, config)?;
        let enough = components.valid || components.significant_components > 0;
        Ok(Occupancy {
            presence: enough && components.significant_components > 0,
            person_count: if components.valid {
                components.significant_components
            } else {
                0
            },
            person_count_valid: components.valid,
            link_energy,
            components,
        })
    }

    fn link(&self, link: usize) -> Result<&LinkModel> {
        self.links.get(link).ok_or_else(|| {
            SensingError::validation(
                "link",
                format!(
                    "must be < {} (links in the model), got {link}",
                    self.links.len()
                ),
            )
        })
    }

    /// The model as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A model from the JSON text of [`FieldModel::to_json`], validated.
    pub fn from_json(text: &str) -> Result<Self> {
        // serde_json's message carries the line and column of syntax errors.
        serde_json::from_str(text)
            .map_err(|e| SensingError::validation("json", format!("not a field model: {e}")))
    }
}

/// `r = P⊥(x − μ)`: removes the mean and the components along the orthonormal `modes`;
/// zero on inactive subcarriers.
fn project_out(x: &[f64], mean: &[f64], modes: &[Vec<f64>], active: &[bool], r: &mut [f64]) {
    for (((ri, xi), mi), &on) in r.iter_mut().zip(x).zip(mean).zip(active) {
        *ri = if on { xi - mi } else { 0.0 };
    }
    for mode in modes {
        let p: f64 = r.iter().zip(mode).map(|(a, b)| a * b).sum();
        r.iter_mut().zip(mode).for_each(|(a, b)| *a -= p * b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    const S: usize = 56;

    /// x = μ + s·u + ε with Var s = 9 and σ²_ε = 0.01 (the spec's rank-1 drift case).
    fn rank_one(t: usize, seed: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let mut rng = Rng::new(seed);
        let mu: Vec<f64> = (0..S).map(|k| 10.0 + (0.1 * k as f64).sin()).collect();
        let norm = (S as f64).sqrt();
        let u: Vec<f64> = (0..S)
            .map(|k| if k % 2 == 0 { 1.0 } else { -1.0 } / norm)
            .collect();
        let mut x = Vec::with_capacity(t * S);
        for _ in 0..t {
            let s = 3.0 * rng.normal();
            for k in 0..S {
                x.push(mu[k] + s * u[k] + 0.1 * rng.normal());
            }
        }
        (x, mu, u)
    }

    #[test]
    fn rank_one_drift_is_the_background_mode() {
        let t = 5000;
        let (x, _, u) = rank_one(t, 1);
        let model = FieldModel::fit(&[(&x, t)], S, &CalibrationConfig::default()).unwrap();
        let link = &model.links()[0];
        assert_eq!(link.modes.len(), 1, "one background component");
        let dot: f64 = link.modes[0].iter().zip(&u).map(|(a, b)| a * b).sum();
        assert!(dot.abs() > 0.99, "|<û, u>| = {}", dot.abs());
        // Top eigenvalue 9.01 of trace 9.56: variance explained ≈ 0.94.
        let trace = link.mode_variances[0] + link.noise_variance * (S - 1) as f64;
        let explained = link.mode_variances[0] / trace;
        assert!((explained - 9.01 / 9.56).abs() < 0.02, "{explained}");
        assert!(
            (link.noise_variance - 0.01).abs() < 0.001,
            "{}",
            link.noise_variance
        );
    }

    #[test]
    fn residual_of_mean_plus_mode_plus_orthogonal_is_the_orthogonal_part() {
        let t = 5000;
        let (x, mu, u) = rank_one(t, 2);
        let model = FieldModel::fit(&[(&x, t)], S, &CalibrationConfig::default()).unwrap();
        let learnt_mean = &model.links()[0].mean;
        // b ⟂ u: alternating pairs (1, 1, −1, −1, ...) have zero dot with (1, −1, 1, −1, ...).
        let b: Vec<f64> = (0..S)
            .map(|k| if (k / 2) % 2 == 0 { 0.5 } else { -0.5 })
            .collect();
        let obs: Vec<f64> = (0..S).map(|k| learnt_mean[k] + 5.0 * u[k] + b[k]).collect();
        let r = model.residual(0, &obs).unwrap();
        let err: f64 = r
            .iter()
            .zip(&b)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!(err < 0.05, "‖r − b‖ = {err}");
        let _ = mu;
    }

    #[test]
    fn links_with_different_constant_means_have_no_environmental_energy() {
        // Two links, constant different means plus tiny noise: per-link centring gives no mode.
        let t = 400;
        let mut rng = Rng::new(3);
        let a: Vec<f64> = (0..t * S).map(|_| 5.0 + 0.01 * rng.normal()).collect();
        let b: Vec<f64> = (0..t * S)
            .map(|i| 20.0 + (i % S) as f64 + 0.01 * rng.normal())
            .collect();
        let model = FieldModel::fit(&[(&a, t), (&b, t)], S, &CalibrationConfig::default()).unwrap();
        for link in model.links() {
            assert!(link.modes.is_empty());
        }
        // The empty room's energy is ≈ 1 per frame.
        let e = model.perturbation_energy(1, &b[..S]).unwrap();
        assert!((0.5..1.6).contains(&e), "{e}");
    }

    #[test]
    fn whitening_equalises_unequal_subcarrier_noise() {
        // Half the subcarriers have noise sd 1, the other half sd 3: after whitening every
        // subcarrier of fresh empty-room frames has unit variance.
        let mut rng = Rng::new(9);
        let mut gen = |t: usize| -> Vec<f64> {
            (0..t * S)
                .map(|i| 30.0 + if i % S < S / 2 { 1.0 } else { 3.0 } * rng.normal())
                .collect()
        };
        let cal = gen(4000);
        let model = FieldModel::fit(&[(&cal, 4000)], S, &CalibrationConfig::default()).unwrap();
        let fresh = gen(4000);
        let mut var = vec![0.0; S];
        for row in fresh.chunks_exact(S) {
            let w = model.whitened_residual(0, row).unwrap();
            var.iter_mut()
                .zip(&w)
                .for_each(|(a, v)| *a += v * v / 4000.0);
        }
        for (k, v) in var.iter().enumerate() {
            assert!((v - 1.0).abs() < 0.1, "subcarrier {k}: variance {v}");
        }
    }

    #[test]
    fn occupancy_of_an_empty_and_a_breathing_room() {
        use crate::fusion::nearest_frames;
        use crate::sim::{Scenario, Simulation};
        // Calibrate on 60 s of the simulated empty room, then count 6 s windows of the same
        // room empty and with one person sitting still.
        let cal = Simulation::new(Scenario::room_with_people(0, 0, 1, 50)).record(0.0, 60.0);
        let links: Vec<(&[f64], usize)> = cal
            .iter()
            .map(|r| (&r.amplitudes[..], r.timestamps_s.len()))
            .collect();
        let model = FieldModel::fit(&links, S, &CalibrationConfig::default()).unwrap();
        for (sitters, want) in [(0usize, 0usize), (1, 1)] {
            let rec =
                Simulation::new(Scenario::room_with_people(0, sitters, 1, 60)).record(0.0, 8.0);
            let picks: Vec<Vec<Option<usize>>> = rec
                .iter()
                .map(|r| nearest_frames(&r.timestamps_s, 0.5, 0.15, 40, 0.075).unwrap())
                .collect();
            let mut window = Vec::new();
            let mut t = 0;
            for k in 0..40 {
                if picks.iter().all(|p| p[k].is_some()) {
                    for (r, p) in rec.iter().zip(&picks) {
                        let f = p[k].unwrap();
                        window.extend_from_slice(&r.amplitudes[f * S..(f + 1) * S]);
                    }
                    t += 1;
                }
            }
            let occ = model
                .occupancy(&window, t, &OccupancyConfig::default())
                .unwrap();
            assert!(occ.person_count_valid, "{}", occ.components.reason);
            assert!(
                occ.person_count >= want && occ.person_count <= want + 1,
                "{sitters}: {}",
                occ.person_count
            );
            assert_eq!(occ.presence, sitters > 0);
        }
        // Too few frames: not valid, no presence claimed.
        let occ = model
            .occupancy(&vec![30.0; 5 * 6 * S], 5, &OccupancyConfig::default())
            .unwrap();
        assert!(!occ.person_count_valid && !occ.presence);
        assert!(occ.components.reason.contains("5 frames"));
    }

    #[test]
    fn dead_subcarriers_are_left_out() {
        // 12 of 56 subcarriers are nulls (always 0), the rest white noise σ² = 1: no
        // background mode, σ̂² ≈ 1 (with the nulls counted it would be ≈ 44/56).
        let t = 2000;
        let mut rng = Rng::new(12);
        let x: Vec<f64> = (0..t * S)
            .map(|i| if i % S < 12 { 0.0 } else { 20.0 + rng.normal() })
            .collect();
        let model = FieldModel::fit(&[(&x, t)], S, &CalibrationConfig::default()).unwrap();
        let link = &model.links()[0];
        assert!(link.modes.is_empty());
        assert_eq!(link.active.iter().filter(|&&on| on).count(), 44);
        assert!(
            (link.noise_variance - 1.0).abs() < 0.05,
            "{}",
            link.noise_variance
        );
        let e = model.perturbation_energy(0, &x[..S]).unwrap();
        assert!((0.5..1.6).contains(&e), "{e}");
        let mut frame = x[..S].to_vec();
        frame[3] = 50.0; // a dead subcarrier changing does not count
        assert_eq!(model.residual(0, &frame).unwrap()[3], 0.0);
    }

    #[test]
    fn json_round_trip_and_validation() {
        let t = 300;
        let (x, _, _) = rank_one(t, 4);
        let model = FieldModel::fit(&[(&x, t)], S, &CalibrationConfig::default()).unwrap();
        let back = FieldModel::from_json(&model.to_json()).unwrap();
        assert_eq!(back, model);
        let bad = model.to_json().replace(FIELD_MODEL_FORMAT, "other/1");
        assert!(FieldModel::from_json(&bad)
            .unwrap_err()
            .to_string()
            .contains("format"));
        let e =
            FieldModel::fit(&[(&x[..50 * S], 50)], S, &CalibrationConfig::default()).unwrap_err();
        assert!(e.to_string().contains("links[0] frames"), "{e}");
        assert!(model
            .residual(1, &x[..S])
            .unwrap_err()
            .to_string()
            .contains("link"));
    }
}
