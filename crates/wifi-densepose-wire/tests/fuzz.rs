//! Deterministic mutation fuzzing (docs/wire.md §1.11): every prefix of every valid vector,
//! random bytes and random mutations of valid vectors must decode to a packet or fail with
//! a `PacketError` whose offset lies within the datagram (or at the size limit); a decoded
//! packet must re-encode to bytes that decode to the same packet.

mod common;

use common::{all_valid, Rng};
use wifi_densepose_wire::*;

const RANDOM_CASES: usize = 4_000;
const MUTATION_CASES: usize = 16_000;

/// Outcome counts, so the test can show that both branches were exercised.
#[derive(Debug, Default)]
struct Tally {
    cases: usize,
    decoded: usize,
    rejected: [usize; 8],
}

fn check(data: &[u8], tally: &mut Tally) {
    tally.cases += 1;
    match parse_packet(data) {
        Ok(packet) => {
            tally.decoded += 1;
            let bytes = packet
                .encode()
                .unwrap_or_else(|e| panic!("decoded {packet:?} does not encode: {e}"));
            let again =
                parse_packet(&bytes).unwrap_or_else(|e| panic!("re-encoded {packet:?} fails: {e}"));
            let mut expected = packet.clone();
            clear_trailing(&mut expected);
            assert_eq!(again, expected);
        }
        Err(e) => {
            assert!(
                e.offset <= data.len().max(MAX_DATAGRAM_LEN),
                "{e} for {} bytes",
                data.len()
            );
            assert!(!e.to_string().is_empty());
            let index = Reason::ALL
                .iter()
                .position(|r| *r == e.reason)
                .expect("known reason");
            tally.rejected[index] += 1;
        }
    }
}

fn clear_trailing(p: &mut Packet) {
    let t = match p {
        Packet::RawCsi(p) => &mut p.trailing_bytes,
        Packet::EdgeVitals(p) => &mut p.trailing_bytes,
        Packet::FeatureVector(p) => &mut p.trailing_bytes,
        Packet::FusedVitals(p) => &mut p.trailing_bytes,
        Packet::CompressedCsi(p) => &mut p.trailing_bytes,
        Packet::FeatureState(p) => &mut p.trailing_bytes,
        Packet::WasmOutput(p) => &mut p.trailing_bytes,
        Packet::Sync(p) => &mut p.trailing_bytes,
    };
    *t = 0;
}

fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(6) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.u8();
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            2 => {
                let i = rng.below(v.len() + 1);
                v.insert(i, rng.u8());
            }
            3 if !v.is_empty() => {
                let i = rng.below(v.len());
                v.remove(i);
            }
            4 => v.truncate(rng.below(v.len() + 1)),
            _ => {
                let extra = rng.below(2100);
                v.extend(rng.bytes(extra));
            }
        }
    }
    v
}

#[test]
fn prefixes_random_bytes_and_mutations_never_panic() {
    let valid = all_valid();
    let mut tally = Tally::default();
    for v in &valid {
        for n in 0..=v.len() {
            check(&v[..n], &mut tally);
        }
    }
    let prefix_cases = tally.cases;

    let mut rng = Rng::new(0xF0_22);
    let magics: Vec<[u8; 4]> = valid.iter().map(|v| [v[0], v[1], v[2], v[3]]).collect();
    for _ in 0..RANDOM_CASES {
        let len = rng.below(80);
        let mut data = rng.bytes(len);
        // Half the random datagrams carry a registered magic, so they reach the decoders.
        if len >= 4 && rng.below(2) == 0 {
            data[..4].copy_from_slice(&magics[rng.below(magics.len())]);
        }
        check(&data, &mut tally);
    }
    for _ in 0..MUTATION_CASES {
        let base = &valid[rng.below(valid.len())];
        check(&mutate(&mut rng, base), &mut tally);
    }

    let total = prefix_cases + RANDOM_CASES + MUTATION_CASES;
    assert_eq!(tally.cases, total);
    assert!(total >= 20_000, "{total} cases");
    println!(
        "fuzz: {total} cases, {} decoded, rejected by reason {:?}",
        tally.decoded, tally.rejected
    );
    // Every reason code and the success path are reached.
    assert!(tally.decoded > 1000, "{tally:?}");
    assert!(tally.rejected.iter().all(|&n| n > 0), "{tally:?}");
}

const LINE_CASES: usize = 5_000;

#[test]
fn mutated_recording_lines_are_records_or_bad_lines() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/esp32-excerpt.csi.jsonl");
    let text = std::fs::read(path).expect("excerpt");
    let lines: Vec<&[u8]> = text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let mut rng = Rng::new(0x11_4E5);
    let (mut good, mut bad) = (0usize, 0usize);
    // Bytes that change the JSON structure more often than random ones.
    const INTERESTING: &[u8] = b"{}[]\",:0-.eE9aZx \\";
    for case in 0..LINE_CASES {
        let mut line = lines[rng.below(lines.len())].to_vec();
        for _ in 0..1 + rng.below(3) {
            let i = rng.below(line.len() + 1);
            match rng.below(4) {
                0 if i < line.len() => line[i] = INTERESTING[rng.below(INTERESTING.len())],
                1 if i < line.len() => {
                    line.remove(i);
                }
                2 => line.insert(i, INTERESTING[rng.below(INTERESTING.len())]),
                _ => line.truncate(i),
            }
        }
        match recording::parse_line(&line, case + 1) {
            Ok(_) => good += 1,
            Err(e) => {
                assert_eq!(e.line, case + 1);
                assert!(e
                    .to_string()
                    .starts_with(&format!("line {}: {}", case + 1, e.reason)));
                bad += 1;
            }
        }
    }
    println!("line fuzz: {LINE_CASES} cases, {good} records, {bad} bad lines");
    assert_eq!(good + bad, LINE_CASES);
    assert!(good > 100 && bad > 1000, "{good} good, {bad} bad");
}
