//! Test vectors of docs/wire.md §1, as printed there.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

/// Bytes of a space-separated hex string.
pub fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).expect("test vector hex"))
        .collect()
}

pub const V1: &str =
    "01 00 11 c5 01 01 04 00 85 09 00 00 2a 00 00 00 d8 a6 00 00 03 04 fd 04 00 05 06 f8";
pub const V1B: &str = "01 00 11 c5 02 01 02 00 3c 14 00 00 04 03 02 01 c4 a1 01 18 01 ff 80 7f";
pub const V1C_HEADER: &str = "01 00 11 c5 03 01 00 01 6c 09 00 00 07 00 00 00 ce a4 01 00";
pub const V2: &str =
    "02 00 11 c5 01 05 0e 06 80 fc 0a 00 d3 01 00 00 00 00 80 3e 66 66 66 3f 40 e2 01 00 00 00 00 00";
pub const V4: &str = "04 00 11 c5 01 0d 59 06 c8 73 0a 00 cc 01 02 57 00 00 00 3e 00 00 40 3f 88 13 00 00 00 00 88 42 00 00 80 41 00 80 0e 43 01 5a 00 00 00 00 00 00";
pub const V5: &str = "03 00 11 c5 02 00 d9 14 d2 02 96 49 00 00 00 00 00 00 00 3f 00 00 80 3e 00 00 00 3f 00 00 20 3f 00 00 00 3e 00 00 80 3e 00 00 00 00 00 00 40 3f";
pub const V6: &str = "05 00 11 c5 01 06 08 00 04 00 00 06 05 02";
pub const V7: &str = "06 00 11 c5 01 00 64 00 40 42 0f 00 00 00 00 00 00 00 80 3e 00 00 60 3f 00 00 70 41 00 00 40 3f 00 00 84 42 00 00 00 3f 00 00 00 00 00 00 00 3e 00 00 80 3f 07 00 00 00 b3 22 01 43";
pub const V8: &str = "07 00 11 c5 01 02 02 00 01 00 00 00 3f 03 00 00 80 bf";
pub const V9: &str = "10 a1 11 c5 01 02 06 40 80 96 98 00 00 00 00 00 a4 90 98 00 00 00 00 00 92 10 00 00 01 00 2d 14 aa bb cc dd ee 01";
pub const V10: &str = "10 a1 11 c5 01 04 06 40 80 96 98 00 00 00 00 00 a4 90 98 00 00 00 00 00 92 10 00 00 01 00 2d 14 aa bb cc dd ee 01 03 00 00 00 78 00 00 00 88 13 00 00 28 23 00 00 0c 00 00 00";

/// V1c: the printed 20-byte header followed by 512 zero bytes.
pub fn v1c() -> Vec<u8> {
    let mut v = hex(V1C_HEADER);
    v.resize(532, 0);
    v
}

/// Every valid vector of section 1.
pub fn all_valid() -> Vec<Vec<u8>> {
    let mut all: Vec<Vec<u8>> = [V1, V1B, V2, V4, V5, V6, V7, V8, V9, V10]
        .iter()
        .map(|s| hex(s))
        .collect();
    all.push(v1c());
    all
}

/// SplitMix64: a small deterministic generator, so every run tests the same cases.
#[derive(Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn u8(&mut self) -> u8 {
        self.next_u64() as u8
    }
    pub fn u16(&mut self) -> u16 {
        self.next_u64() as u16
    }
    pub fn u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.u8()).collect()
    }
    /// A finite f32 from a wide range of magnitudes, including 0 and subnormals.
    pub fn finite_f32(&mut self) -> f32 {
        loop {
            let v = f32::from_bits(self.u32());
            if v.is_finite() {
                return v;
            }
        }
    }
}
