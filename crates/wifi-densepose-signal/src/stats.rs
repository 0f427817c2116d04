//! Small statistics helpers with a fixed summation order (index order), shared by the stages.

/// Arithmetic mean; 0 for an empty input.
pub(crate) fn mean(values: impl ExactSizeIterator<Item = f64>) -> f64 {
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    values.sum::<f64>() / n as f64
}

/// Population variance Σ(x−x̄)²/N; 0 for an empty input.
pub(crate) fn var_pop(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let m = mean(values.iter().copied());
    values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / values.len() as f64
}

/// Sample variance Σ(x−x̄)²/(N−1); 0 with fewer than 2 values.
pub(crate) fn var_samp(values: impl ExactSizeIterator<Item = f64> + Clone) -> f64 {
    let n = values.len();
    if n < 2 {
        return 0.0;
    }
    let m = mean(values.clone());
    values.map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1) as f64
}

/// Population mean, variance of two equal-length series and their population covariance.
pub(crate) struct PairMoments {
    pub var_a: f64,
    pub var_b: f64,
    pub cov: f64,
}

pub(crate) fn pair_moments(a: &[f64], b: &[f64]) -> PairMoments {
    let n = a.len().min(b.len());
    if n == 0 {
        return PairMoments { var_a: 0.0, var_b: 0.0, cov: 0.0 };
    }
    let (a, b) = (&a[..n], &b[..n]);
    let ma = mean(a.iter().copied());
    let mb = mean(b.iter().copied());
    let (mut var_a, mut var_b, mut cov) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let (dx, dy) = (x - ma, y - mb);
        var_a += dx * dx;
        var_b += dy * dy;
        cov += dx * dy;
    }
    let nf = n as f64;
    PairMoments { var_a: var_a / nf, var_b: var_b / nf, cov: cov / nf }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(mean(x.iter().copied()), 2.5);
        assert_eq!(var_pop(&x), 1.25);
        assert!((var_samp(x.iter().copied()) - 5.0 / 3.0).abs() < 1e-15);
        assert_eq!(var_samp([7.0].iter().copied()), 0.0);
        let m = pair_moments(&x, &[2.0, 4.0, 6.0, 8.0]);
        assert_eq!((m.var_a, m.var_b, m.cov), (1.25, 5.0, 2.5));
    }
}
