//! Robustness of every reader on damaged copies of the real sample files: truncation at every
//! offset, random bit flips and huge values written over every field position. Every case must
//! end in frames or a typed `FormatError`: no panic, no hang, no allocation beyond the input.
//!
//! The case counts are printed (`cargo test -p wifi-densepose-formats --test fuzz -- --nocapture`).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use wifi_densepose_formats::{detect, open_bytes, Format, FormatError, ReadOptions};

fn data(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/formats")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The first `max` bytes, cut back to the end of the last whole line for text formats.
fn prefix(bytes: &[u8], max: usize, format: Format) -> Vec<u8> {
    let mut end = bytes.len().min(max);
    if end < bytes.len() {
        match format {
            Format::Esp32CsiTool | Format::RuViewV1 => {
                end = bytes[..end]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(end, |i| i + 1);
            }
            Format::PicoScenes => {
                // Whole frames: each is a u32 length and that many bytes.
                let mut at = 0;
                while at + 4 <= end {
                    let n = u32::from_le_bytes([
                        bytes[at],
                        bytes[at + 1],
                        bytes[at + 2],
                        bytes[at + 3],
                    ]) as usize;
                    if at + 4 + n > end {
                        break;
                    }
                    at += 4 + n;
                }
                end = at;
            }
            _ => {}
        }
    }
    bytes[..end].to_vec()
}

/// Reads every frame; `Ok(frames)` or the typed error. Panics propagate to the caller.
fn run(bytes: Vec<u8>, format: Format) -> Result<usize, FormatError> {
    let limit = bytes.len() + 2;
    let mut reader = open_bytes(bytes, Some(format), ReadOptions::default())?;
    let mut frames = 0;
    while let Some(frame) = reader.next_frame()? {
        assert!(
            frame
                .csi
                .iter()
                .all(|c| c.re.is_finite() && c.im.is_finite()),
            "non-finite CSI"
        );
        assert_eq!(
            frame.csi.len(),
            frame.n_subcarriers * frame.n_rx * frame.n_tx
        );
        frames += 1;
        // Every frame consumes at least one byte: more frames than bytes means a loop.
        assert!(frames <= limit, "reader does not advance");
    }
    Ok(frames)
}

#[derive(Debug, Default)]
struct Tally {
    cases: usize,
    ok: usize,
    errors: usize,
    panics: Vec<String>,
}

impl Tally {
    fn case(&mut self, name: &str, bytes: Vec<u8>, format: Format) {
        self.cases += 1;
        let head = bytes[..bytes.len().min(4096)].to_vec();
        match catch_unwind(AssertUnwindSafe(|| {
            let _ = detect(&head);
            run(bytes, format)
        })) {
            Ok(Ok(_)) => self.ok += 1,
            Ok(Err(_)) => self.errors += 1,
            Err(_) => self.panics.push(name.to_string()),
        }
    }
}

/// A deterministic xorshift generator (no rand dependency).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn fuzz(format: Format, rel: &str, max_len: usize) -> Tally {
    let sample = prefix(&data(rel), max_len, format);
    let clean = run(sample.clone(), format).expect("the undamaged sample reads");
    assert!(clean > 0, "{rel}: no frames in the sample prefix");
    let mut t = Tally::default();

    // Truncation at every offset.
    for cut in 0..sample.len() {
        t.case(
            &format!("{rel} truncated at {cut}"),
            sample[..cut].to_vec(),
            format,
        );
    }
    // Random bit flips: 1..=8 flipped bits per case.
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ sample.len() as u64);
    for i in 0..3000 {
        let mut bytes = sample.clone();
        let mut flipped = Vec::new();
        for _ in 0..1 + rng.below(8) {
            let bit = rng.below(bytes.len() * 8);
            bytes[bit / 8] ^= 1 << (bit % 8);
            flipped.push(bit);
        }
        t.case(&format!("{rel} flip #{i} bits {flipped:?}"), bytes, format);
    }
    // Huge values over every 2- and 4-byte window of the first 1,024 bytes (every length field
    // of the first records), in both byte orders' worst cases.
    for at in 0..sample.len().min(1024) {
        for pattern in [
            &[0xFF, 0xFF][..],
            &[0xFF; 4][..],
            &[0x7F, 0xFF, 0xFF, 0xFF][..],
            &[0xFF, 0xFF, 0xFF, 0x7F][..],
        ] {
            if at + pattern.len() > sample.len() {
                continue;
            }
            let mut bytes = sample.clone();
            bytes[at..at + pattern.len()].copy_from_slice(pattern);
            t.case(&format!("{rel} huge {pattern:02X?} at {at}"), bytes, format);
        }
    }
    println!(
        "fuzz {format} ({rel}, {} bytes): {} cases, {} read, {} typed errors, {} panics",
        sample.len(),
        t.cases,
        t.ok,
        t.errors,
        t.panics.len()
    );
    assert!(
        t.panics.is_empty(),
        "panics: {:?}",
        &t.panics[..t.panics.len().min(10)]
    );
    t
}

#[test]
fn intel5300_reader_survives_damage() {
    let a = fuzz(Format::Intel5300, "intel5300/example.dat", 1 << 20);
    let b = fuzz(
        Format::Intel5300,
        "intel5300/log.all_csi.6.7.6.dat",
        1 << 20,
    );
    assert!(a.errors > 0 && b.errors > 0);
}

#[test]
fn nexmon_reader_survives_damage() {
    fuzz(Format::Nexmon, "nexmon/example_4358.pcap", 1 << 20);
    // The first eight packets of the BCM4366c0 capture (24-byte pcap header + 8 × 1,100 bytes).
    fuzz(Format::Nexmon, "nexmon/example_4366c0.pcap", 24 + 8 * 1100);
}

#[test]
fn atheros_reader_survives_damage() {
    // 116 whole records of Ant_1.dat (little-endian).
    fuzz(Format::Atheros, "atheros/Ant_1-head.dat", 1 << 20);
}

#[test]
fn feitcsi_reader_survives_damage() {
    fuzz(Format::FeitCsi, "feitcsi/HT20_2452.csi", 1 << 20);
    fuzz(Format::FeitCsi, "feitcsi/VHT20_5500.csi", 1 << 20);
}

#[test]
fn picoscenes_reader_survives_damage() {
    // The first 30,000 bytes, cut back to whole frames by `whole_frames`.
    fuzz(
        Format::PicoScenes,
        "picoscenes/picoscenes_iwl5300_example.csi",
        30_000,
    );
}

#[test]
fn esp32_csv_reader_survives_damage() {
    fuzz(
        Format::Esp32CsiTool,
        "esp32-csi-tool/example_data.csv",
        6000,
    );
}

#[test]
fn ruview_v1_reader_survives_damage() {
    fuzz(
        Format::RuViewV1,
        "ruview-amplitude-v1/rec_1772470567081-20260302_165607.csi.jsonl",
        6000,
    );
}

#[test]
fn a_huge_length_field_is_a_truncation_not_an_allocation() {
    // Intel 5300: the first record's big-endian length set to 65,535 in a 10,270-byte file.
    let mut bytes = data("intel5300/example.dat");
    bytes[0] = 0xFF;
    bytes[1] = 0xFF;
    let err = run(bytes, Format::Intel5300).unwrap_err();
    assert!(
        err.to_string().contains("truncated at byte offset 3"),
        "{err}"
    );

    // Nexmon: the first record's incl_len (bytes 32..36 of the file) set to 4 GiB − 1.
    let mut bytes = data("nexmon/example_4358.pcap");
    bytes[32..36].copy_from_slice(&[0xFF; 4]);
    let err = run(bytes, Format::Nexmon).unwrap_err();
    assert!(
        err.to_string().contains("truncated at byte offset 40"),
        "{err}"
    );
}
