//! The calibrated room fed with the simulated room's datagrams, as the server receives them
//! (the datagrams come from the mock source, so these tests sit outside the sensing layer).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use wifi_densepose_sensing::{CalibrationConfig, FieldModel, Scenario, Simulation};
use wifi_densepose_sensing_server::sensing::room::{
    CalibrationRecorder, RoomEstimate, RoomOccupancy,
};
use wifi_densepose_sensing_server::sources::mock::room_datagrams;
use wifi_densepose_wire::{parse_packet, Packet};

fn calibrated(room_seed: u64) -> RoomOccupancy {
    let cal = Simulation::new(Scenario::room_with_people(0, 0, room_seed, 1)).record(0.0, 60.0);
    let links: Vec<(&[f64], usize)> = cal
        .iter()
        .map(|r| (&r.amplitudes[..], r.timestamps_s.len()))
        .collect();
    let model = FieldModel::fit(&links, 56, &CalibrationConfig::default())
        .unwrap()
        .with_labels((1..=6).map(|n| n.to_string()).collect())
        .unwrap();
    RoomOccupancy::from_model(model).unwrap()
}

/// 8 s of the simulated room, each frame pushed at its own capture time.
fn feed(room: &mut RoomOccupancy, sitters: usize, start: Instant) -> Instant {
    let rec = Simulation::new(Scenario::room_with_people(0, sitters, 4, 9)).record(0.0, 8.0);
    for (t, datagram) in room_datagrams(&rec, &mut [0; 6]) {
        let Ok(Packet::RawCsi(raw)) = parse_packet(&datagram) else {
            panic!("not raw CSI")
        };
        room.push(&raw, start + Duration::from_secs_f64(t), t);
    }
    start + Duration::from_secs(8)
}

#[test]
fn counts_an_empty_room_and_a_sitting_person_and_waits_for_full_windows() {
    let start = Instant::now();
    let mut room = calibrated(4);
    assert_eq!(room.estimate(start), None);
    let now = feed(&mut room, 0, start);
    assert_eq!(
        room.estimate(now),
        Some(RoomEstimate {
            presence: false,
            person_count: 0,
            person_count_valid: true
        })
    );
    let mut room = calibrated(4);
    let now = feed(&mut room, 1, start);
    let e = room.estimate(now).unwrap();
    assert!(
        e.presence && e.person_count_valid && (1..=2).contains(&e.person_count),
        "{e:?}"
    );
    // Links silent: no estimate.
    assert_eq!(room.estimate(now + Duration::from_secs(3)), None);
}

#[test]
fn a_recorded_calibration_is_written_and_counts() {
    let dir = std::env::temp_dir().join(format!("wdp-room-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("room.json");
    let mut recorder = CalibrationRecorder::new(path.clone(), 30.0);
    let rec = Simulation::new(Scenario::room_with_people(0, 0, 4, 1)).record(0.0, 31.0);
    let mut result = None;
    for (t, datagram) in room_datagrams(&rec, &mut [0; 6]) {
        let Ok(Packet::RawCsi(raw)) = parse_packet(&datagram) else {
            panic!("not raw CSI")
        };
        if let Some(done) = recorder.push(&raw, t) {
            result = Some(done);
            break;
        }
    }
    let mut room = result.expect("finished after 30 s").unwrap();
    let saved = FieldModel::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(saved.labels(), ["1", "2", "3", "4", "5", "6"]);
    let now = feed(&mut room, 0, Instant::now());
    assert_eq!(
        room.estimate(now),
        Some(RoomEstimate {
            presence: false,
            person_count: 0,
            person_count_valid: true
        })
    );
    std::fs::remove_dir_all(dir).unwrap();
    // Nothing usable recorded: an error, no file.
    let mut empty = CalibrationRecorder::new(PathBuf::from("/nonexistent/room.json"), 1.0);
    let raw = parse_packet(&room_datagrams(&rec, &mut [0; 6])[0].1).unwrap();
    let Packet::RawCsi(raw) = raw else { panic!() };
    assert!(empty.push(&raw, 0.0).is_none());
    assert!(empty
        .push(&raw, 2.0)
        .unwrap()
        .unwrap_err()
        .contains("no node sent"));
}
