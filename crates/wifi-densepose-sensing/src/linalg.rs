//! Small dense numerics: a symmetric eigensolver (cyclic Jacobi), a Cholesky solver and the
//! Hungarian assignment algorithm. Matrices are row-major `Vec<f64>` of `n × n` (or
//! `rows × cols`); sizes here are tens to a few hundreds, where these O(n³) methods are exact
//! and fast enough.

/// Eigenvalues (descending) and the matching unit eigenvectors (`vectors[i]` belongs to
/// `values[i]`) of the symmetric `n × n` matrix `a` (only its upper triangle is read).
///
/// Cyclic Jacobi rotations until the off-diagonal mass is below 1e-14 of the total (at most
/// 100 sweeps). Deterministic.
pub fn symmetric_eigen(a: &[f64], n: usize) -> (Vec<f64>, Vec<Vec<f64>>) {
    assert_eq!(a.len(), n * n, "symmetric_eigen: matrix must be n × n");
    let mut m = vec![0.0; n * n];
    for i in 0..n {
        for j in i..n {
            m[i * n + j] = a[i * n + j];
            m[j * n + i] = a[i * n + j];
        }
    }
    // v holds eigenvectors as columns.
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let total: f64 = m.iter().map(|x| x * x).sum();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[i * n + j] * m[i * n + j])
            .sum();
        if off <= 1e-28 * total.max(f64::MIN_POSITIVE) || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let app = m[p * n + p];
                let aqq = m[q * n + q];
                let theta = (aqq - app) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let mkp = m[k * n + p];
                    let mkq = m[k * n + q];
                    m[k * n + p] = c * mkp - s * mkq;
                    m[k * n + q] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let mpk = m[p * n + k];
                    let mqk = m[q * n + k];
                    m[p * n + k] = c * mpk - s * mqk;
                    m[q * n + k] = s * mpk + c * mqk;
                }
                for k in 0..n {
                    let vkp = v[k * n + p];
                    let vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| m[j * n + j].total_cmp(&m[i * n + i]).then(i.cmp(&j)));
    let values = order.iter().map(|&i| m[i * n + i]).collect();
    let vectors = order
        .iter()
        .map(|&i| (0..n).map(|k| v[k * n + i]).collect())
        .collect();
    (values, vectors)
}

/// The Cholesky factor `L` (row-major, lower triangular) of the symmetric positive definite
/// `n × n` matrix `a`, or `None` when `a` is not numerically positive definite.
pub fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut sum = a[i * n + j];
            for k in 0..j {
                sum -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if sum <= 0.0 || !sum.is_finite() {
                    return None;
                }
                l[i * n + i] = sum.sqrt();
            } else {
                l[i * n + j] = sum / l[j * n + j];
            }
        }
    }
    Some(l)
}

/// Solves `L Lᵀ x = b` in place given the Cholesky factor `l` of [`cholesky`].
pub fn cholesky_solve(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let mut sum = b[i];
        for k in 0..i {
            sum -= l[i * n + k] * b[k];
        }
        b[i] = sum / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut sum = b[i];
        for k in i + 1..n {
            sum -= l[k * n + i] * b[k];
        }
        b[i] = sum / l[i * n + i];
    }
}

/// Minimum-cost assignment of a `rows × cols` cost matrix (row-major, finite entries):
/// `result[r]` is the column given to row `r`, `None` for the `rows − cols` rows left over
/// when there are more rows than columns. Every row gets a column when `rows ≤ cols`.
///
/// The O(n²m) shortest-augmenting-path Hungarian algorithm with potentials (Kuhn 1955,
/// Munkres 1957; Jonker–Volgenant form).
pub fn hungarian(cost: &[f64], rows: usize, cols: usize) -> Vec<Option<usize>> {
    assert_eq!(
        cost.len(),
        rows * cols,
        "hungarian: cost must be rows × cols"
    );
    if rows == 0 || cols == 0 {
        return vec![None; rows];
    }
    if rows > cols {
        // Transpose, assign columns to rows, invert.
        let t: Vec<f64> = (0..cols)
            .flat_map(|c| (0..rows).map(move |r| (r, c)))
            .map(|(r, c)| cost[r * cols + c])
            .collect();
        let by_col = hungarian(&t, cols, rows);
        let mut result = vec![None; rows];
        for (c, r) in by_col.iter().enumerate() {
            if let Some(r) = r {
                result[*r] = Some(c);
            }
        }
        return result;
    }
    let (n, m) = (rows, cols);
    // 1-based arrays as in the classic formulation; p[j] = row matched to column j.
    let mut u = vec![0.0; n + 1];
    let mut v = vec![0.0; m + 1];
    let mut p = vec![0usize; m + 1];
    let mut way = vec![0usize; m + 1];
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0usize;
        let mut minv = vec![f64::INFINITY; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = f64::INFINITY;
            let mut j1 = 0usize;
            for j in 1..=m {
                if !used[j] {
                    let cur = cost[(i0 - 1) * m + (j - 1)] - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=m {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut result = vec![None; n];
    for j in 1..=m {
        if p[j] != 0 {
            result[p[j] - 1] = Some(j - 1);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigen_of_a_known_2x2() {
        // [[2, 1], [1, 2]] has eigenvalues 3 and 1 with vectors (1, 1)/√2 and (1, −1)/√2.
        let (values, vectors) = symmetric_eigen(&[2.0, 1.0, 1.0, 2.0], 2);
        assert!((values[0] - 3.0).abs() < 1e-12 && (values[1] - 1.0).abs() < 1e-12);
        let h = 0.5f64.sqrt();
        assert!((vectors[0][0].abs() - h).abs() < 1e-12);
        assert!((vectors[0][0] - vectors[0][1]).abs() < 1e-12);
        assert!((vectors[1][0] + vectors[1][1]).abs() < 1e-12);
    }

    #[test]
    fn eigen_reconstructs_a_symmetric_matrix() {
        // A = Q diag(5, 2, -1, 0.5) Qᵀ for a Householder Q built from w = (1, 2, 3, 4)/‖w‖.
        let w = [1.0, 2.0, 3.0, 4.0];
        let w2: f64 = w.iter().map(|x| x * x).sum();
        let n = 4;
        let q: Vec<f64> = (0..16)
            .map(|k| {
                let (i, j) = (k / 4, k % 4);
                f64::from(u8::from(i == j)) - 2.0 * w[i] * w[j] / w2
            })
            .collect();
        let d = [5.0, 2.0, -1.0, 0.5];
        let a: Vec<f64> = (0..16)
            .map(|k| {
                let (i, j) = (k / 4, k % 4);
                (0..n).map(|t| q[i * n + t] * d[t] * q[j * n + t]).sum()
            })
            .collect();
        let (values, vectors) = symmetric_eigen(&a, n);
        for (got, want) in values.iter().zip([5.0, 2.0, 0.5, -1.0]) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        for (i, vi) in vectors.iter().enumerate() {
            for (j, vj) in vectors.iter().enumerate() {
                let dot: f64 = vi.iter().zip(vj).map(|(a, b)| a * b).sum();
                let want = f64::from(u8::from(i == j));
                assert!((dot - want).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn cholesky_solves_a_known_system() {
        // [[4, 2], [2, 3]] x = [2, 1]  →  x = [0.5, 0].
        let l = cholesky(&[4.0, 2.0, 2.0, 3.0], 2).unwrap();
        assert_eq!(l, vec![2.0, 0.0, 1.0, 2.0f64.sqrt()]);
        let mut b = [2.0, 1.0];
        cholesky_solve(&l, 2, &mut b);
        assert!((b[0] - 0.5).abs() < 1e-15 && b[1].abs() < 1e-15);
        assert!(cholesky(&[1.0, 2.0, 2.0, 1.0], 2).is_none());
    }

    /// Brute force over all permutations (rows ≤ cols).
    fn brute(cost: &[f64], rows: usize, cols: usize) -> f64 {
        fn go(r: usize, rows: usize, cols: usize, cost: &[f64], used: &mut Vec<bool>) -> f64 {
            if r == rows {
                return 0.0;
            }
            let mut best = f64::INFINITY;
            for c in 0..cols {
                if !used[c] {
                    used[c] = true;
                    best = best.min(cost[r * cols + c] + go(r + 1, rows, cols, cost, used));
                    used[c] = false;
                }
            }
            best
        }
        go(0, rows, cols, cost, &mut vec![false; cols])
    }

    #[test]
    fn hungarian_matches_a_textbook_case_and_brute_force() {
        // Classic 3×3: optimum 5 (rows → cols 1, 0, 2).
        let cost = [4.0, 1.0, 3.0, 2.0, 0.0, 5.0, 3.0, 2.0, 2.0];
        assert_eq!(hungarian(&cost, 3, 3), vec![Some(1), Some(0), Some(2)]);
        // Pseudo-random rectangular cases against brute force, both orientations.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for case in 0..200 {
            let rows = 1 + case % 5;
            let cols = 1 + (case / 5) % 5;
            let cost: Vec<f64> = (0..rows * cols)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state % 1000) as f64 / 10.0
                })
                .collect();
            let assignment = hungarian(&cost, rows, cols);
            let total: f64 = assignment
                .iter()
                .enumerate()
                .filter_map(|(r, c)| c.map(|c| cost[r * cols + c]))
                .sum();
            let assigned = assignment.iter().flatten().count();
            assert_eq!(assigned, rows.min(cols));
            let mut seen = vec![false; cols];
            for c in assignment.iter().flatten() {
                assert!(!seen[*c]);
                seen[*c] = true;
            }
            let optimum = if rows <= cols {
                brute(&cost, rows, cols)
            } else {
                let t: Vec<f64> = (0..cols * rows)
                    .map(|k| cost[(k % rows) * cols + k / rows])
                    .collect();
                brute(&t, cols, rows)
            };
            assert!(
                (total - optimum).abs() < 1e-9,
                "case {case}: {total} vs {optimum}"
            );
        }
    }
}
