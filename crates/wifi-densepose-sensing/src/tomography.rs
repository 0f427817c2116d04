//! Radio tomographic imaging (Wilson & Patwari 2010): per-link attenuation `y` (length L,
//! one per unordered node pair) is modelled as `y = W x + n` over a floor grid of voxels `x`.
//!
//! **Weights (ellipse model).** Voxel `v` lies on link `(i, j)` of length `d` when the sum of
//! its centre's distances to the two nodes is below `d + λ_e` (the excess path length, an
//! ellipse with the nodes as foci; Wilson & Patwari use a few centimetres to decimetres);
//! its weight is then `1/√d`, else 0.
//!
//! **Reconstruction (Tikhonov).** `x̂ = (WᵀW + α I)⁻¹ Wᵀ y`, with the `V × L` projection
//! matrix `Π = (WᵀW + α I)⁻¹ Wᵀ` precomputed once by Cholesky, so each image costs `V·L`
//! multiply-adds.

use serde::{Deserialize, Serialize};

use crate::error::{ensure_finite, Result, SensingError};
use crate::linalg::{cholesky, cholesky_solve};

/// The imaging grid: `nx × ny` voxels over `[x0, x1] × [y0, y1]` metres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    pub nx: usize,
    pub ny: usize,
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Grid {
    fn validate(&self) -> Result<()> {
        if self.nx == 0 || self.ny == 0 || self.nx * self.ny > 10_000 {
            return Err(SensingError::config(format!(
                "grid must have 1..=10000 voxels, got {} × {}",
                self.nx, self.ny
            )));
        }
        let finite = [self.x0, self.y0, self.x1, self.y1]
            .iter()
            .all(|v| v.is_finite());
        if !finite || self.x1 <= self.x0 || self.y1 <= self.y0 {
            return Err(SensingError::config(format!(
                "grid bounds must be finite with x1 > x0 and y1 > y0, got [{}, {}] × [{}, {}]",
                self.x0, self.x1, self.y0, self.y1
            )));
        }
        Ok(())
    }

    /// Centre of voxel `v` (row-major: `v = iy · nx + ix`), metres.
    pub fn centre(&self, v: usize) -> [f64; 2] {
        let (ix, iy) = (v % self.nx, v / self.nx);
        [
            self.x0 + (ix as f64 + 0.5) * (self.x1 - self.x0) / self.nx as f64,
            self.y0 + (iy as f64 + 0.5) * (self.y1 - self.y0) / self.ny as f64,
        ]
    }
}

/// A precomputed RTI reconstruction for fixed node positions and grid.
#[derive(Debug, Clone)]
pub struct Tomographer {
    grid: Grid,
    links: Vec<(usize, usize)>,
    /// `L × V` row-major weights.
    weights: Vec<f64>,
    /// `V × L` row-major projection Π.
    projection: Vec<f64>,
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

impl Tomographer {
    /// Builds the weights for every unordered pair of `nodes` (x, y in metres) and the
    /// Tikhonov projection with regularisation `alpha` (> 0).
    pub fn new(nodes: &[[f64; 2]], grid: Grid, excess_path_m: f64, alpha: f64) -> Result<Self> {
        grid.validate()?;
        SensingError::ensure_positive("excess_path_m", excess_path_m)?;
        SensingError::ensure_positive("alpha", alpha)?;
        if nodes.len() < 2 {
            return Err(SensingError::validation(
                "nodes",
                format!("need at least 2 nodes, got {}", nodes.len()),
            ));
        }
        for (i, n) in nodes.iter().enumerate() {
            ensure_finite(&format!("nodes[{i}]"), n, 0)?;
        }
        let mut links = Vec::new();
        for i in 0..nodes.len() {
            for j in i + 1..nodes.len() {
                if dist(nodes[i], nodes[j]) <= 0.0 {
                    return Err(SensingError::validation(
                        "nodes",
                        format!("nodes {i} and {j} coincide"),
                    ));
                }
                links.push((i, j));
            }
        }
        let v_count = grid.nx * grid.ny;
        let l_count = links.len();
        let mut weights = vec![0.0; l_count * v_count];
        for (l, &(i, j)) in links.iter().enumerate() {
            let d = dist(nodes[i], nodes[j]);
            for v in 0..v_count {
                let c = grid.centre(v);
                if dist(c, nodes[i]) + dist(c, nodes[j]) < d + excess_path_m {
                    weights[l * v_count + v] = 1.0 / d.sqrt();
                }
            }
        }
        // A = WᵀW + αI (V × V), then Π = A⁻¹ Wᵀ column by column.
        let mut a = vec![0.0; v_count * v_count];
        for l in 0..l_count {
            let row = &weights[l * v_count..(l + 1) * v_count];
            let nz: Vec<usize> = (0..v_count).filter(|&v| row[v] != 0.0).collect();
            for &p in &nz {
                for &q in &nz {
                    a[p * v_count + q] += row[p] * row[q];
                }
            }
        }
        for v in 0..v_count {
            a[v * v_count + v] += alpha;
        }
        let factor = cholesky(&a, v_count).ok_or_else(|| SensingError::Computation {
            message: "the regularised normal matrix is not positive definite".into(),
        })?;
        let mut projection = vec![0.0; v_count * l_count];
        for l in 0..l_count {
            let mut col: Vec<f64> = weights[l * v_count..(l + 1) * v_count].to_vec();
            cholesky_solve(&factor, v_count, &mut col);
            for v in 0..v_count {
                projection[v * l_count + l] = col[v];
            }
        }
        Ok(Tomographer {
            grid,
            links,
            weights,
            projection,
        })
    }

    /// The node pairs `(i, j)`, `i < j`, in the order attenuations are expected.
    pub fn links(&self) -> &[(usize, usize)] {
        &self.links
    }

    pub fn grid(&self) -> Grid {
        self.grid
    }

    /// The `L × V` weight matrix, row-major.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// The image `x̂ = Π y` (length `nx · ny`, row-major by y then x) from per-link
    /// attenuations `y` (one per link of [`Tomographer::links`]).
    pub fn reconstruct(&self, attenuation: &[f64]) -> Result<Vec<f64>> {
        let l_count = self.links.len();
        if attenuation.len() != l_count {
            return Err(SensingError::shape(
                "attenuation",
                l_count,
                attenuation.len(),
            ));
        }
        ensure_finite("attenuation", attenuation, 0)?;
        Ok(self
            .projection
            .chunks_exact(l_count)
            .map(|row| row.iter().zip(attenuation).map(|(p, y)| p * y).sum())
            .collect())
    }

    /// The forward model `W x` for an image `x`.
    pub fn forward(&self, image: &[f64]) -> Result<Vec<f64>> {
        let v_count = self.grid.nx * self.grid.ny;
        if image.len() != v_count {
            return Err(SensingError::shape("image", v_count, image.len()));
        }
        Ok(self
            .weights
            .chunks_exact(v_count)
            .map(|row| row.iter().zip(image).map(|(w, x)| w * x).sum())
            .collect())
    }

    /// The position (metres) of the image's largest voxel, and its value.
    pub fn peak(&self, image: &[f64]) -> ([f64; 2], f64) {
        let (v, value) = image
            .iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |best, (i, &x)| {
                if x > best.1 {
                    (i, x)
                } else {
                    best
                }
            });
        (self.grid.centre(v), value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(n: usize, centre: [f64; 2], radius: f64) -> Vec<[f64; 2]> {
        (0..n)
            .map(|k| {
                let a = 2.0 * std::f64::consts::PI * k as f64 / n as f64 + 0.1;
                [centre[0] + radius * a.cos(), centre[1] + radius * a.sin()]
            })
            .collect()
    }

    fn grid() -> Grid {
        Grid {
            nx: 8,
            ny: 8,
            x0: 0.0,
            y0: 0.0,
            x1: 4.0,
            y1: 4.0,
        }
    }

    #[test]
    fn ellipse_weights_follow_the_definition() {
        // Two nodes 4 m apart along y = 2.25 (a row of voxel centres): the voxels of that row
        // between them lie on the link (d1 + d2 = d) with weight 1/√4 = 0.5.
        let t = Tomographer::new(&[[0.0, 2.25], [4.0, 2.25]], grid(), 0.1, 1.0).unwrap();
        let w = t.weights();
        assert_eq!(t.links(), &[(0, 1)]);
        for (v, &wv) in w.iter().enumerate() {
            let on_row = v / 8 == 4;
            assert_eq!(wv, if on_row { 0.5 } else { 0.0 }, "voxel {v}");
        }
    }

    #[test]
    fn single_voxel_target_is_the_image_maximum() {
        let nodes = ring(16, [2.0, 2.0], 2.6);
        let t = Tomographer::new(&nodes, grid(), 0.3, 0.05).unwrap();
        for target in [9, 27, 36, 50] {
            let mut x = vec![0.0; 64];
            x[target] = 1.0;
            let y = t.forward(&x).unwrap();
            let image = t.reconstruct(&y).unwrap();
            let argmax = (0..64)
                .max_by(|&a, &b| image[a].total_cmp(&image[b]))
                .unwrap();
            assert_eq!(argmax, target);
            assert_eq!(t.peak(&image).0, t.grid().centre(target));
        }
    }

    #[test]
    fn small_alpha_fits_the_data_and_zero_gives_zero() {
        // 6 nodes → 15 links < 64 voxels: with α → 0 the Tikhonov image interpolates y.
        let nodes = ring(6, [2.0, 2.0], 2.6);
        let t = Tomographer::new(&nodes, grid(), 0.3, 1e-10).unwrap();
        let y: Vec<f64> = (0..t.links().len()).map(|l| 0.3 + 0.1 * l as f64).collect();
        let image = t.reconstruct(&y).unwrap();
        let fit = t.forward(&image).unwrap();
        let resid: f64 = fit
            .iter()
            .zip(&y)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!(resid < 1e-6, "‖Wx̂ − y‖ = {resid}");
        let zero = t.reconstruct(&vec![0.0; t.links().len()]).unwrap();
        assert!(zero.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn bad_input_is_rejected() {
        assert!(Tomographer::new(&[[0.0, 0.0]], grid(), 0.1, 1.0).is_err());
        assert!(Tomographer::new(&[[0.0, 0.0], [0.0, 0.0]], grid(), 0.1, 1.0).is_err());
        let t = Tomographer::new(&[[0.0, 0.0], [4.0, 4.0]], grid(), 0.1, 1.0).unwrap();
        assert!(t
            .reconstruct(&[1.0, 2.0])
            .unwrap_err()
            .to_string()
            .contains("attenuation"));
        assert!(t.reconstruct(&[f64::NAN]).is_err());
    }
}
