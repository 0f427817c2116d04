//! Whole and chunked reads over a file that ends inside a frame.

use std::path::PathBuf;

use wifi_densepose_formats::{open_bytes, read_all, read_chunk, Format, ReadOptions, Reason};

fn example_dat() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/formats/intel5300/example.dat");
    std::fs::read(path).unwrap()
}

#[test]
fn a_lenient_read_keeps_the_frames_before_the_cut() {
    // Records of example.dat are 3 + 392 bytes; cut 100 bytes into the third.
    let data = example_dat()[..2 * 395 + 100].to_vec();
    let mut reader = open_bytes(
        data.clone(),
        Some(Format::Intel5300),
        ReadOptions::default(),
    )
    .unwrap();
    let capture = read_all(reader.as_mut(), false).unwrap();
    assert_eq!(capture.n_frames, 2);
    let cut = capture.truncated.expect("the cut is reported");
    assert_eq!((cut.reason, cut.offset), (Reason::Truncated, 2 * 395 + 3));
    // The rest of the input counts as read: the next read ends instead of failing again.
    assert!(read_chunk(reader.as_mut(), 10, false).unwrap().is_none());

    let mut reader = open_bytes(data, Some(Format::Intel5300), ReadOptions::default()).unwrap();
    let err = read_all(reader.as_mut(), true).unwrap_err();
    assert!(
        err.to_string().contains("truncated at byte offset 793"),
        "{err}"
    );
}

#[test]
fn chunks_split_the_frames() {
    let data = example_dat();
    let mut reader = open_bytes(data, Some(Format::Intel5300), ReadOptions::default()).unwrap();
    let mut sizes = Vec::new();
    while let Some(chunk) = read_chunk(reader.as_mut(), 10, true).unwrap() {
        assert!(chunk.truncated.is_none());
        sizes.push(chunk.n_frames);
    }
    assert_eq!(sizes, [10, 10, 6]); // example.dat holds 26 frames
    assert_eq!(reader.position(), reader.total_len());
}

/// The in-place decoder writes each frame into a larger (padded) frame exactly where
/// `place` would put the frame decoded on its own, for every antenna selection byte (valid,
/// repeated and invalid permutations) and every chain count, and touches nothing else.
#[test]
fn intel5300_in_place_decoding_equals_decode_then_place() {
    use num_complex::Complex64;
    use wifi_densepose_formats::capture::place;
    use wifi_densepose_formats::intel5300::{decode_payload, decode_payload_into, payload_len};

    let sentinel = Complex64::new(-1000.0, 7.0);
    for n_rx in 1..=3 {
        for n_tx in 1..=3 {
            // A payload whose bytes all differ from their neighbours, so any misplaced value shows.
            let payload: Vec<u8> = (0..payload_len(n_rx, n_tx) + 2)
                .map(|i| (i * 37 + n_rx * 11 + n_tx) as u8)
                .collect();
            for antenna_sel in 0..64u8 {
                let (own, perm) = decode_payload(&payload, n_rx, n_tx, antenna_sel);
                let to = [30, 3, 3];
                let mut expected = vec![sentinel; 270];
                place(&mut expected, &own, [30, n_rx, n_tx], to);
                let mut out = vec![sentinel; 270];
                let perm_into =
                    decode_payload_into(&payload, n_rx, n_tx, antenna_sel, &mut out, to);
                assert_eq!(perm_into, perm);
                assert_eq!(
                    out, expected,
                    "Nrx {n_rx} Ntx {n_tx} antenna_sel {antenna_sel:#x}"
                );
            }
        }
    }
}
