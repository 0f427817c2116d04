//! `VitalsPipeline` end to end: RuView's demo signal, batch versus per-frame, validation.

mod common;

use std::f64::consts::PI;

use common::{reading_at, Signal, SplitMix64, FS, SUBCARRIERS};
use wifi_densepose_core::{CsiFrame, ErrorInfo, ErrorKind};
use wifi_densepose_vitals::{
    RowMajor, VitalReading, VitalStatus, VitalsConfig, VitalsError, VitalsPipeline, VitalsResult,
};

/// RuView's demo: 15 + 5 sin(0.1k) + 2 sin(2π·0.25t) + 0.3 sin(2π·1.2t) + N(0, 0.05²),
/// phases 0.2k (unwrapped), `seconds` at 100 Hz.
fn demo_signal(seconds: f64) -> Signal {
    let mut rng = SplitMix64::new(2026);
    let frames = (seconds * FS) as usize;
    let mut amplitudes = Vec::with_capacity(frames * SUBCARRIERS);
    let mut phases = Vec::with_capacity(frames * SUBCARRIERS);
    for i in 0..frames {
        let t = i as f64 / FS;
        let body = 2.0 * (2.0 * PI * 0.25 * t).sin() + 0.3 * (2.0 * PI * 1.2 * t).sin();
        for k in 0..SUBCARRIERS {
            amplitudes.push(15.0 + 5.0 * (0.1 * k as f64).sin() + body + 0.05 * rng.normal());
            phases.push(0.2 * k as f64);
        }
    }
    Signal { amplitudes, phases }
}

fn row(values: &[f64], t: usize) -> &[f64] {
    &values[t * SUBCARRIERS..(t + 1) * SUBCARRIERS]
}

fn bits(reading: &VitalReading) -> [u64; 6] {
    let (rr, hr) = (reading.respiratory_rate(), reading.heart_rate());
    [
        rr.value_bpm().to_bits(),
        rr.confidence().to_bits(),
        hr.value_bpm().to_bits(),
        hr.confidence().to_bits(),
        reading.signal_quality().to_bits(),
        reading.timestamp_secs().to_bits(),
    ]
}

fn result_bits(result: &VitalsResult) -> Vec<[u64; 6]> {
    result.readings().iter().map(bits).collect()
}

#[test]
fn demo_signal_with_the_default_methods() {
    let result = demo_signal(60.0).run(&mut VitalsPipeline::esp32_default());
    assert_eq!(result.frame_index()[0], 499);
    let first = result.readings()[0];
    assert_eq!(first.respiratory_rate().status(), VitalStatus::Unavailable);
    assert!(result.breathing_bpm()[0].is_nan() && result.breathing_confidence()[0].is_nan());
    assert_eq!(result.breathing_status()[0], 3);
    let at_10 = reading_at(&result, 10.0);
    let (rr, hr) = (at_10.respiratory_rate(), at_10.heart_rate());
    assert!((rr.value_bpm() - 15.2).abs() <= 0.3, "{rr:?}");
    assert!((hr.value_bpm() - 72.0).abs() <= 0.3, "{hr:?}");
    assert_eq!(
        (rr.status(), hr.status()),
        (VitalStatus::Valid, VitalStatus::Valid)
    );
    let at_60 = reading_at(&result, 60.0);
    assert!(
        (at_60.respiratory_rate().value_bpm() - 15.0).abs() <= 0.05,
        "{at_60:?}"
    );
    assert!(
        (at_60.heart_rate().value_bpm() - 72.0).abs() <= 0.1,
        "{at_60:?}"
    );
    assert_eq!(result.len(), 56);
    assert_eq!(at_60.subcarrier_count(), 56);
    assert_eq!(at_60.timestamp_secs(), 59.99);
}

#[test]
fn demo_signal_with_the_ruview_methods() {
    let result = demo_signal(60.0).run(&mut VitalsPipeline::ruview_compatible(56, FS).unwrap());
    let at_5 = reading_at(&result, 5.0);
    assert!(
        (at_5.heart_rate().value_bpm() - 6000.0 / 81.0).abs() < 1e-9,
        "{at_5:?}"
    );
    assert_eq!(at_5.heart_rate().status(), VitalStatus::Valid);
    let at_10 = reading_at(&result, 10.0);
    let rr = at_10.respiratory_rate();
    assert_eq!(rr.value_bpm(), 15.0);
    assert!((rr.confidence() - 0.34).abs() <= 0.03, "{rr:?}");
    assert_eq!(rr.status(), VitalStatus::Unreliable);
    let hr = reading_at(&result, 60.0).heart_rate();
    assert!((hr.value_bpm() - 6000.0 / 83.0).abs() < 1e-9, "{hr:?}");
    assert!((hr.confidence() - 0.86).abs() <= 0.03, "{hr:?}");
}

#[test]
fn process_equals_per_frame_pushes_bit_for_bit() {
    let signal = demo_signal(12.0);
    let mut batch = VitalsPipeline::esp32_default();
    let result = signal.run(&mut batch);
    let mut single = VitalsPipeline::esp32_default();
    let mut per_frame = Vec::new();
    let mut alerts = Vec::new();
    for t in 0..1200 {
        if let Some(reading) = single
            .push_arrays(row(&signal.amplitudes, t), row(&signal.phases, t))
            .unwrap()
        {
            alerts.extend(
                single
                    .last_alerts()
                    .iter()
                    .map(|a| (per_frame.len(), a.clone())),
            );
            per_frame.push(reading);
        }
    }
    assert_eq!(
        result_bits(&result),
        per_frame.iter().map(bits).collect::<Vec<_>>()
    );
    assert_eq!(result.alerts(), alerts.as_slice());
    assert_eq!(batch.frames_processed(), single.frames_processed());
    assert_eq!(batch.last_sample_index(), Some(1199));
    assert_eq!(batch.store(), single.store());
    assert_eq!(batch.detector(), single.detector());
    assert_eq!(batch.preprocessor(), single.preprocessor());
    // The extractors' end states agree too: their next estimates are identical.
    let more = demo_signal(3.0);
    assert_eq!(
        result_bits(&more.run(&mut batch)),
        result_bits(&more.run(&mut single))
    );
}

#[test]
fn csi_frames_and_raw_arrays_agree() {
    let signal = demo_signal(6.0);
    let mut frames = VitalsPipeline::esp32_default();
    let mut arrays = VitalsPipeline::esp32_default();
    for t in 0..600 {
        let (a, p) = (
            row(&signal.amplitudes, t).to_vec(),
            row(&signal.phases, t).to_vec(),
        );
        let frame = CsiFrame::new(a.clone(), p.clone(), SUBCARRIERS, t as u64, FS, None).unwrap();
        let x = frames.push(&frame).unwrap();
        let y = arrays.push_arrays(&a, &p).unwrap();
        assert_eq!(x.map(|r| bits(&r)), y.map(|r| bits(&r)));
    }
    assert_eq!(frames.store().len(), 2);
}

#[test]
fn output_is_identical_across_runs() {
    let signal = demo_signal(20.0);
    let a = signal.run(&mut VitalsPipeline::esp32_default());
    let b = signal.run(&mut VitalsPipeline::esp32_default());
    assert_eq!(result_bits(&a), result_bits(&b));
    assert_eq!(a, b);
}

/// Feeds `good` frames around one rejected push and checks that nothing changed.
fn assert_rejected_without_effect(
    reject: impl Fn(&mut VitalsPipeline) -> Result<(), VitalsError>,
    kind: ErrorKind,
) {
    let signal = demo_signal(11.0);
    let mut clean = VitalsPipeline::esp32_default();
    let mut probed = VitalsPipeline::esp32_default();
    for t in 0..1100 {
        let (a, p) = (row(&signal.amplitudes, t), row(&signal.phases, t));
        if t == 700 {
            let error = reject(&mut probed).unwrap_err();
            assert_eq!(error.kind(), kind, "{error}");
        }
        let x = clean.push_arrays(a, p).unwrap();
        let y = probed.push_arrays(a, p).unwrap();
        assert_eq!(x.map(|r| bits(&r)), y.map(|r| bits(&r)));
    }
    assert_eq!(clean.frames_processed(), probed.frames_processed());
}

#[test]
fn rejected_frames_leave_later_results_unchanged() {
    let good = vec![15.0; SUBCARRIERS];
    let phases = vec![0.0; SUBCARRIERS];
    assert_rejected_without_effect(
        |p| p.push_arrays(&good[..55], &phases[..55]).map(drop),
        ErrorKind::Shape,
    );
    assert_rejected_without_effect(
        |p| {
            let mut bad = good.clone();
            bad[30] = f64::NAN;
            p.push_arrays(&bad, &phases).map(drop)
        },
        ErrorKind::NonFinite,
    );
    let push_good_frame = |p: &mut VitalsPipeline, sample_index: u64, fs: f64| {
        let frame = CsiFrame::new(
            good.clone(),
            phases.clone(),
            SUBCARRIERS,
            sample_index,
            fs,
            None,
        )
        .unwrap();
        p.push(&frame).map(drop)
    };
    assert_rejected_without_effect(|p| push_good_frame(p, 10_000, 50.0), ErrorKind::Validation);
    assert_rejected_without_effect(
        |p| {
            let repeated = p.last_sample_index().unwrap();
            push_good_frame(p, repeated, FS)
        },
        ErrorKind::Validation,
    );
    assert_rejected_without_effect(
        |p| {
            let mut bad = vec![15.0; 10 * SUBCARRIERS];
            bad[9 * SUBCARRIERS + 3] = f64::INFINITY;
            let phases = vec![0.0; 10 * SUBCARRIERS];
            let (a, ph) = (
                RowMajor::new(&bad, SUBCARRIERS).unwrap(),
                RowMajor::new(&phases, SUBCARRIERS).unwrap(),
            );
            p.process(&a, &ph, None).map(drop)
        },
        ErrorKind::NonFinite,
    );
}

/// The message of the error `process` gives for row-major buffers `width` subcarriers wide.
fn process_error_message(
    pipeline: &mut VitalsPipeline,
    amplitudes: &[f64],
    phases: &[f64],
    width: usize,
) -> String {
    pipeline
        .process(
            &RowMajor::new(amplitudes, width).unwrap(),
            &RowMajor::new(phases, width).unwrap(),
            None,
        )
        .unwrap_err()
        .to_string()
}

#[test]
fn process_rejects_bad_buffers_with_clear_errors() {
    let mut pipeline = VitalsPipeline::esp32_default();
    let empty = RowMajor::new(&[], SUBCARRIERS).unwrap();
    let e = pipeline.process(&empty, &empty, None).unwrap_err();
    assert_eq!(e.code(), "EmptySignal");
    assert_eq!(e.kind(), ErrorKind::Shape);

    let (a, p) = (vec![1.0; 4 * 55], vec![0.0; 4 * 55]);
    assert_eq!(
        process_error_message(&mut pipeline, &a, &p, 55),
        "amplitudes: expected 56 subcarriers (n_subcarriers), got 55 subcarriers"
    );

    let (a, p) = (vec![1.0; 4 * 56], vec![0.0; 3 * 56]);
    assert_eq!(
        process_error_message(&mut pipeline, &a, &p, 56),
        "phases: expected 4 frames (as amplitudes), got 3 frames"
    );

    let p = vec![0.0; 4 * 56];
    let (a, p) = (
        RowMajor::new(&a, 56).unwrap(),
        RowMajor::new(&p, 56).unwrap(),
    );
    for rate in [0.0, -1.0, 50.0, f64::NAN] {
        let e = pipeline.process(&a, &p, Some(rate)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation);
        assert!(
            e.to_string().contains("sample_rate_hz") && e.to_string().contains("100 Hz"),
            "{e}"
        );
    }
    assert_eq!(pipeline.frames_processed(), 0);
    assert!(pipeline.process(&a, &p, Some(100.0)).unwrap().is_empty());
    assert_eq!(pipeline.frames_processed(), 4);
}

#[test]
fn configuration_is_validated() {
    // Each entry breaks one field of the default configuration.
    let bad: [fn(&mut VitalsConfig); 11] = [
        |c| c.n_subcarriers = 0,
        |c| c.sample_rate_hz = 0.0,
        |c| c.sample_rate_hz = 3.0,
        |c| c.alpha = f64::NAN,
        |c| c.breathing_window_s = 5.0,
        |c| c.heart_window_s = -1.0,
        |c| c.reading_interval_s = 0.0,
        |c| c.anomaly_window = 0,
        |c| c.z_threshold = f64::INFINITY,
        |c| c.breathing_weights = Some(vec![1.0, f64::NAN]),
        |c| c.start_time_s = f64::NAN,
    ];
    for break_field in bad {
        let mut config = VitalsConfig::default();
        break_field(&mut config);
        let kind = VitalsPipeline::new(config.clone()).unwrap_err().kind();
        assert!(
            matches!(kind, ErrorKind::Configuration | ErrorKind::NonFinite),
            "{config:?}"
        );
    }
    let ruview = VitalsPipeline::ruview_compatible(56, FS).unwrap();
    assert!(!ruview.detector().skip_unavailable());
    assert_eq!(ruview.config().breathing_method.as_str(), "ruview");
    assert_eq!(ruview.config().heart_method.as_str(), "ruview");
    let default = VitalsPipeline::esp32_default();
    assert_eq!(default.reading_interval_frames(), 100);
    assert_eq!(default.store().capacity(), 3600);
}

#[test]
fn reset_restores_the_fresh_state() {
    let signal = demo_signal(12.0);
    let mut pipeline = VitalsPipeline::esp32_default();
    let first = signal.run(&mut pipeline);
    pipeline.reset();
    assert_eq!(
        (pipeline.frames_processed(), pipeline.store().len()),
        (0, 0)
    );
    assert_eq!(pipeline.last_sample_index(), None);
    assert_eq!(result_bits(&signal.run(&mut pipeline)), result_bits(&first));
}

#[test]
fn start_time_and_reading_interval_shape_the_readings() {
    let config = VitalsConfig {
        start_time_s: 1000.0,
        reading_interval_s: 0.5,
        ..VitalsConfig::default()
    };
    let result = demo_signal(6.0).run(&mut VitalsPipeline::new(config).unwrap());
    assert_eq!(result.frame_index(), &[499, 549, 599]);
    assert_eq!(result.timestamp_s(), [1004.99, 1005.49, 1005.99]);
}

/// The demo signal's rows at irregular times: spacing cycles 7, 12 and 11 ms (mean 10 ms),
/// each row the signal at its own time (the frame at `t` carries the body at `t`).
fn jittered(seconds: f64) -> (Vec<f64>, Signal) {
    let uniform = demo_signal(seconds + 1.0);
    let mut times = Vec::new();
    let mut amplitudes = Vec::new();
    let mut phases = Vec::new();
    let mut t = 0.0;
    let steps = [0.007, 0.012, 0.011];
    let mut i = 0;
    while t < seconds {
        // Linear interpolation of the 100 Hz demo at t (its step is far finer than the rates).
        let k = (t * FS).floor() as usize;
        let w = t * FS - k as f64;
        for s in 0..SUBCARRIERS {
            let (a0, a1) = (
                row(&uniform.amplitudes, k)[s],
                row(&uniform.amplitudes, k + 1)[s],
            );
            amplitudes.push(a0 + w * (a1 - a0));
            phases.push(row(&uniform.phases, k)[s]);
        }
        times.push(t);
        t += steps[i % 3];
        i += 1;
    }
    (times, Signal { amplitudes, phases })
}

#[test]
fn timestamped_frames_are_resampled_and_streaming_equals_batch() {
    let (times, signal) = jittered(40.0);
    let a = RowMajor::new(&signal.amplitudes, SUBCARRIERS).unwrap();
    let p = RowMajor::new(&signal.phases, SUBCARRIERS).unwrap();
    let mut batch = VitalsPipeline::esp32_default();
    let result = batch.process_timed(&times, &a, &p).unwrap();
    let mut streaming = VitalsPipeline::esp32_default();
    let mut readings = Vec::new();
    for (i, &t) in times.iter().enumerate() {
        let reading = streaming
            .push_timed(t, row(&signal.amplitudes, i), row(&signal.phases, i))
            .unwrap();
        readings.extend(reading);
    }
    assert_eq!(
        result_bits(&result),
        readings.iter().map(bits).collect::<Vec<_>>()
    );
    // Readings are on the absolute 100 Hz grid of capture time, at whole seconds: the first
    // at 5 s (grid frame 500, the first whole second with the heart's 5 s minimum history).
    let ts = result.timestamp_s();
    assert_eq!(ts[0], 5.0);
    assert!((ts[1] - ts[0] - 1.0).abs() < 1e-9);
    let last = result.readings().last().unwrap();
    assert!((last.respiratory_rate().value_bpm() - 15.0).abs() < 0.1);
    assert!((last.heart_rate().value_bpm() - 72.0).abs() < 0.3);
    assert_eq!(last.heart_rate().status(), VitalStatus::Valid);
    assert!(!result.spans_gap().iter().any(|&g| g));
    let stats = batch.resample_stats();
    assert_eq!(
        (stats.accepted, stats.duplicates, stats.gaps),
        (times.len() as u64, 0, 0)
    );
}

#[test]
fn uniform_timestamps_give_the_untimed_readings() {
    let signal = demo_signal(29.99);
    // Frame i at (i + 1)/fs: the timed pipeline's readings fall on grid frames 100, 200, …
    // as the untimed pipeline's on every 100th frame counted from 1. Both run the recursive
    // stages' copy started at the first frame throughout (the copy restarted at 15 s takes
    // over only at 30 s).
    let times: Vec<f64> = (0..2999).map(|i| (i + 1) as f64 / FS).collect();
    let a = RowMajor::new(&signal.amplitudes, SUBCARRIERS).unwrap();
    let p = RowMajor::new(&signal.phases, SUBCARRIERS).unwrap();
    let timed = VitalsPipeline::esp32_default()
        .process_timed(&times, &a, &p)
        .unwrap();
    let plain = VitalsPipeline::esp32_default()
        .process(&a, &p, None)
        .unwrap();
    // Every grid time falls on a frame, which the resampler reproduces exactly; the reading
    // times differ by the one-frame shift.
    let shifted = |r: &VitalsResult| {
        result_bits(r)
            .into_iter()
            .map(|b| b[..5].to_vec())
            .collect::<Vec<_>>()
    };
    assert_eq!(shifted(&timed), shifted(&plain));
    assert!(!timed.is_empty());
    assert_eq!(timed.frame_index(), plain.frame_index());
}

#[test]
fn a_gap_is_flagged_while_in_the_window_and_the_pipeline_recovers() {
    let signal = demo_signal(70.0);
    // 2 s missing after 20 s: times jump from 19.99 to 22.00.
    let times: Vec<f64> = (0..7000)
        .map(|i| i as f64 / FS)
        .map(|t| if t >= 20.0 { t + 2.0 } else { t })
        .collect();
    let a = RowMajor::new(&signal.amplitudes, SUBCARRIERS).unwrap();
    let p = RowMajor::new(&signal.phases, SUBCARRIERS).unwrap();
    let mut pipeline = VitalsPipeline::esp32_default();
    let result = pipeline.process_timed(&times, &a, &p).unwrap();
    assert_eq!(pipeline.resample_stats().gaps, 1);
    for (reading, &flag) in result.readings().iter().zip(&result.spans_gap()) {
        let t = reading.timestamp_secs();
        // The breathing window is 30 s and the heart window 15 s of grid frames.
        let expected = (22.0..22.0 + 30.0 - 0.015).contains(&t);
        assert_eq!(flag, expected, "t = {t}");
        if (22.0..22.0 + 15.0 - 0.015).contains(&t) {
            assert_ne!(reading.heart_rate().status(), VitalStatus::Valid, "t = {t}");
        }
    }
    let last = result.readings().last().unwrap();
    assert!(!last.spans_gap());
    assert_eq!(last.heart_rate().status(), VitalStatus::Valid);
    assert_eq!(last.respiratory_rate().status(), VitalStatus::Valid);
}

#[test]
fn a_pipeline_takes_one_kind_of_clock_and_bad_times_are_refused() {
    let mut pipeline = VitalsPipeline::esp32_default();
    let zeros = [0.0; SUBCARRIERS];
    pipeline.push_timed(0.0, &zeros, &zeros).unwrap();
    let err = pipeline.push_arrays(&zeros, &zeros).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(err.to_string().contains("timestamps"), "{err}");
    // Duplicate and earlier times are dropped, not errors.
    pipeline.push_timed(0.0, &zeros, &zeros).unwrap();
    pipeline.push_timed(-1.0, &zeros, &zeros).unwrap();
    let stats = pipeline.resample_stats();
    assert_eq!((stats.duplicates, stats.out_of_order), (1, 1));
    let err = pipeline.push_timed(f64::NAN, &zeros, &zeros).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NonFinite);
    pipeline.reset();
    pipeline.push_arrays(&zeros, &zeros).unwrap();
    let a = RowMajor::new(&zeros, SUBCARRIERS).unwrap();
    let err = VitalsPipeline::esp32_default()
        .process_timed(&[0.0, 1.0], &a, &a)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Shape);
}

#[test]
fn timestamped_streams_restarted_memory_s_early_give_the_same_readings_bit_for_bit() {
    let (times, signal) = jittered(160.0);
    let t0 = 1_775_000_000.25;
    // Frames from 50 s to 51.5 s are lost: a gap the resampler does not bridge.
    let keep: Vec<usize> = (0..times.len())
        .filter(|&i| !(50.0..51.5).contains(&times[i]))
        .collect();
    let run = |from: usize| {
        let mut pipeline = VitalsPipeline::esp32_default();
        let mut readings = Vec::new();
        for &i in &keep[from..] {
            let reading = pipeline
                .push_timed(
                    t0 + times[i],
                    row(&signal.amplitudes, i),
                    row(&signal.phases, i),
                )
                .unwrap();
            readings.extend(reading);
        }
        readings
    };
    let whole = run(0);
    let memory = VitalsPipeline::esp32_default().memory_s().unwrap();
    // The 30 s breathing window, a 10 s warm-up and a 40 s turn, the 0.5 s gap.
    assert_eq!(memory, 30.0 + 10.0 + 40.0 + 0.5);
    assert!(whole.iter().any(VitalReading::spans_gap));
    for begin in [81.0, 97.7, 115.01, 130.5] {
        let from = keep
            .iter()
            .position(|&i| times[i] >= begin - memory)
            .unwrap();
        assert!(from > 0, "{begin}");
        let after = |readings: &[VitalReading]| {
            readings
                .iter()
                .filter(|r| r.timestamp_secs() >= t0 + begin)
                .map(bits)
                .collect::<Vec<_>>()
        };
        let expected = after(&whole);
        assert!(expected.len() >= 19, "{begin}");
        assert_eq!(after(&run(from)), expected, "restarted for {begin} s");
        // Readings on whole seconds of the timestamp axis.
        assert!(expected
            .iter()
            .all(|b| f64::from_bits(b[5]) == f64::from_bits(b[5]).round()));
    }
    // Never restarted (RuView's behaviour), the recursive stages remember the whole stream.
    let config = VitalsConfig {
        restart_period_s: None,
        ..VitalsConfig::default()
    };
    assert_eq!(VitalsPipeline::new(config).unwrap().memory_s(), None);
}
