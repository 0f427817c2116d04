//! Interpretation of the raw I/Q byte pairs of a CSI payload (docs/wire.md §1.3.1).

use num_complex::Complex64;
use wifi_densepose_core::{CoreError, CoreResult, CsiFrame};

/// Which byte of each pair is the real part.
///
/// `RealFirst` ("iq", the default) is the RuView-compatible reading; `ImagFirst` ("qi")
/// matches the ESP-IDF documentation. Amplitudes are the same either way, phases are not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum IqOrder {
    #[default]
    RealFirst,
    ImagFirst,
}

impl IqOrder {
    /// The spec's option value: `"iq"` or `"qi"`.
    pub fn as_str(self) -> &'static str {
        match self {
            IqOrder::RealFirst => "iq",
            IqOrder::ImagFirst => "qi",
        }
    }

    /// Parses `"iq"` or `"qi"`; anything else is `None`.
    pub fn from_name(name: &str) -> Option<IqOrder> {
        match name {
            "iq" => Some(IqOrder::RealFirst),
            "qi" => Some(IqOrder::ImagFirst),
            _ => None,
        }
    }

    /// The complex value of one `(byte 2k, byte 2k+1)` pair of signed bytes.
    pub fn pair_to_complex(self, first: u8, second: u8) -> Complex64 {
        let (a, b) = (f64::from(first as i8), f64::from(second as i8));
        match self {
            IqOrder::RealFirst => Complex64::new(a, b),
            IqOrder::ImagFirst => Complex64::new(b, a),
        }
    }
}

/// Complex values of every complete byte pair of `iq`, in wire order.
pub fn iq_to_complex(iq: &[u8], order: IqOrder) -> Vec<Complex64> {
    iq.chunks_exact(2)
        .map(|p| match p {
            [first, second] => order.pair_to_complex(*first, *second),
            _ => Complex64::new(0.0, 0.0),
        })
        .collect()
}

/// √(re² + im²) of every pair; independent of the I/Q order. Exact for integer inputs up to
/// the final rounding of the square root.
pub fn iq_to_amplitude(iq: &[u8]) -> Vec<f64> {
    iq_to_complex(iq, IqOrder::RealFirst)
        .iter()
        .map(|z| (z.re * z.re + z.im * z.im).sqrt())
        .collect()
}

/// atan2(im, re) of every pair, radians in [−π, π].
pub fn iq_to_phase(iq: &[u8], order: IqOrder) -> Vec<f64> {
    iq_to_complex(iq, order)
        .iter()
        .map(|z| z.im.atan2(z.re))
        .collect()
}

/// Amplitudes and phases (radians) of the first antenna's `n_subcarriers` bins of a payload
/// laid out `[antenna][subcarrier]` (fewer when the payload is shorter).
pub fn first_antenna_polar(iq: &[u8], n_subcarriers: u16, order: IqOrder) -> (Vec<f64>, Vec<f64>) {
    let first = iq.get(..2 * usize::from(n_subcarriers)).unwrap_or(iq);
    (iq_to_amplitude(first), iq_to_phase(first, order))
}

/// A [`CsiFrame`] of one antenna row of a payload laid out `[antenna][subcarrier]`.
pub fn antenna_frame(
    iq: &[u8],
    n_subcarriers: u16,
    antenna: usize,
    order: IqOrder,
    sample_index: u64,
    sample_rate_hz: f64,
) -> CoreResult<CsiFrame> {
    let row_len = 2 * usize::from(n_subcarriers);
    let n_antennas = iq.len().checked_div(row_len).unwrap_or(0);
    if antenna >= n_antennas {
        return Err(CoreError::validation(
            "antenna",
            format!("must be < n_antennas ({n_antennas}), got {antenna}"),
        ));
    }
    let row = iq
        .get(antenna * row_len..(antenna + 1) * row_len)
        .ok_or_else(|| CoreError::shape("iq", format!("{row_len} bytes per antenna"), iq.len()))?;
    CsiFrame::from_iq(
        &iq_to_complex(row, order),
        sample_index,
        sample_rate_hz,
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_swap_real_and_imaginary() {
        assert_eq!(
            IqOrder::RealFirst.pair_to_complex(3, 0xfc),
            Complex64::new(3.0, -4.0)
        );
        assert_eq!(
            IqOrder::ImagFirst.pair_to_complex(3, 0xfc),
            Complex64::new(-4.0, 3.0)
        );
        assert_eq!(IqOrder::from_name("qi"), Some(IqOrder::ImagFirst));
        assert_eq!(IqOrder::from_name("IQ"), None);
        assert_eq!(IqOrder::default().as_str(), "iq");
    }

    #[test]
    fn odd_trailing_byte_is_not_a_pair() {
        assert_eq!(iq_to_complex(&[1, 2, 3], IqOrder::RealFirst).len(), 1);
        assert_eq!(
            iq_to_amplitude(&[0x80, 0x7f]),
            vec![(128.0f64 * 128.0 + 127.0 * 127.0).sqrt()]
        );
    }
}
