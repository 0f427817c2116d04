"""`wifi_densepose.batch` and `wdp batch`: many recordings into one table, on Dask or serially.

The corpus: 22 semi-synthetic two-node ESP32 recordings (`esp32_stream`: the bundled capture's
own timing and layouts, known breathing and heart rates; two of them 240 s long for slicing)
plus every real fixture of `tests/data` (the ESP32 excerpt and one file of each other format).
Expected numbers come from the core run directly (`CaptureVitals` over each node) and from
the generator's true rates, not from the batch code.
"""

from __future__ import annotations

import math
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from esp32_stream import fit_models, stream

pd = pytest.importorskip("pandas", reason="the batch extra (pandas) is part of dev")
pytest.importorskip("pyarrow")
distributed = pytest.importorskip("distributed")

from wifi_densepose.batch import (  # noqa: E402
    DEFAULT_PREROLL_S,
    READING_COLUMNS,
    find_inputs,
    local_cluster,
    run_batch,
)
from wifi_densepose.cli import main  # noqa: E402
from wifi_densepose.io import load_recording  # noqa: E402
from wifi_densepose.vitals import CAPTURE_MEMORY_S, CaptureVitals, VitalStatus  # noqa: E402

DATA = Path(__file__).parent / "data"
SHORT = 20
"""Short recordings, 90 s each."""
SHORT_S = 90.0
LONG_S = 240.0
SLICE_S = 60.0
RATES = [(8, 62), (12, 70), (16, 78), (20, 90), (24, 105), (14, 115), (10, 55)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    models = fit_models()
    synthetic = root / "synthetic"
    synthetic.mkdir()
    for i in range(SHORT + 2):
        long = i >= SHORT
        breathing, heart = RATES[i % len(RATES)]
        path = synthetic / (f"long-{i:02d}.csi.jsonl" if long else f"rec-{i:02d}.csi.jsonl")
        for node_id in sorted(models):
            stream(
                models[node_id],
                seconds=LONG_S if long else SHORT_S,
                breathing_bpm=breathing,
                heart_bpm=heart,
                breathing_depth=0.10,
                heart_depth=0.06,
                seed=100 * i + node_id,
                dropout_at_s=100.0 if long else None,
                noise_lsb=0.5,
            ).write_jsonl(path, start=1_775_000_000.0 + 1000 * i)
    real = root / "real"
    shutil.copytree(DATA / "formats", real / "formats")
    shutil.copy(DATA / "esp32-excerpt.csi.jsonl", real)
    shutil.copy(DATA / "esp32-excerpt.csi.meta.json", real)
    return root


def _direct(path: Path, node: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times, breathing BPM and breathing status codes of the core run straight over a node."""
    recording = load_recording(path)
    result = CaptureVitals().process_recording(recording, node)
    return (
        np.asarray(result.timestamp_s),
        np.asarray(result.breathing_bpm),
        np.asarray(result.breathing_status),
    )


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["recording", "unit", "node", "timestamp_s"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def serial(corpus: Path) -> object:
    return run_batch([corpus], serial=True)


@pytest.fixture(scope="module")
def cluster() -> object:
    local = local_cluster(2)
    with local:
        yield local


def test_inputs_corpus_size(corpus: Path) -> None:
    files = find_inputs([corpus])
    names = {f.name for f in files}
    # 22 synthetic + the ESP32 excerpt + 10 files of other formats (.mat/.md/.txt and the
    # sidecars skipped).
    assert len(files) == 22 + 1 + 10
    assert "esp32-excerpt.csi.meta.json" not in names
    assert not any(n.endswith((".mat", ".md", ".txt")) for n in names)
    assert find_inputs([str(corpus / "synthetic" / "long-*.csi.jsonl")]) == sorted(
        (corpus / "synthetic").glob("long-*")
    )
    with pytest.raises(FileNotFoundError, match="nothing-here"):
        find_inputs([corpus / "nothing-here"])


def test_serial_table_equals_the_core_run(corpus: Path, serial: object) -> None:
    readings = serial.readings  # type: ignore[attr-defined]
    assert list(readings.columns) == list(READING_COLUMNS)
    assert list(readings["breathing_status"].cat.categories) == [s.name for s in VitalStatus]
    synthetic = sorted((corpus / "synthetic").glob("*.csi.jsonl"))
    assert len(synthetic) == 22
    for path in synthetic:
        for node in (1, 2):
            times, bpm, status = _direct(path, node)
            rows = readings[(readings.recording == path.name) & (readings.node == node)]
            assert len(rows) == len(times) > 0
            assert np.array_equal(rows.timestamp_s.to_numpy(), times)
            assert np.array_equal(rows.breathing_bpm.to_numpy(), bpm, equal_nan=True)
            assert list(rows.breathing_status) == [VitalStatus(int(c)).name for c in status]
            # Unix host times: UTC datetimes to the microsecond.
            first = rows.time.iloc[0]
            assert abs(first.timestamp() - times[0]) < 1e-6
            assert str(first.tz) == "UTC"
    # The true rates: VALID breathing within 1 BPM on average on the 90 s recordings.
    for i in range(SHORT):
        rows = readings[readings.recording == f"rec-{i:02d}.csi.jsonl"]
        valid = rows[rows.breathing_status == "VALID"].breathing_bpm
        assert len(valid) > 0
        assert abs(valid.mean() - RATES[i % len(RATES)][0]) < 1.0


def test_summaries_and_other_formats(serial: object) -> None:
    summaries = serial.summaries  # type: ignore[attr-defined]
    errors = serial.errors  # type: ignore[attr-defined]
    assert len(errors) == 0, errors.to_string()
    # 22 x 2 nodes + the excerpt's 2 nodes + 10 files of other formats (link 0).
    assert len(summaries) == 44 + 2 + 10
    links = summaries[summaries.unit == "link"]
    assert sorted(links.recording) == [
        "Ant_1-head.dat",
        "HT20_2452.csi",
        "VHT20_5500.csi",
        "example.dat",
        "example_4358.pcap",
        "example_4366c0.pcap",
        "example_data.csv",
        "log.all_csi.6.7.6.dat",
        "picoscenes_iwl5300_example.csi",
        "rec_1772470567081-20260302_165607.csi.jsonl",
    ]
    assert set(links.node) == {0}
    nexmon = summaries[summaries.recording == "example_4366c0.pcap"].iloc[0]
    assert nexmon.frames == 293  # the CSIKit fixture's packets
    readings = serial.readings  # type: ignore[attr-defined]
    rows = readings[readings.recording == "example_4366c0.pcap"]
    assert nexmon.readings == len(rows)
    assert rows.time.notna().all()  # pcap capture time is Unix
    intel = readings[readings.recording == "example.dat"]
    assert intel.time.isna().all()  # the NIC's relative clock has no UTC
    excerpt = summaries[summaries.recording == "esp32-excerpt.csi.jsonl"]
    assert sorted(excerpt.node) == [1, 2]
    assert (excerpt.device_vitals > 0).all()
    rows = readings[readings.recording == "esp32-excerpt.csi.jsonl"]
    assert rows.device_breathing_bpm.notna().any()
    one = summaries[(summaries.recording == "rec-03.csi.jsonl") & (summaries.node == 1)].iloc[0]
    rows = readings[(readings.recording == "rec-03.csi.jsonl") & (readings.node == 1)]
    assert one.readings == len(rows)
    assert one.breathing_valid == int((rows.breathing_status == "VALID").sum())
    assert math.isclose(
        one.breathing_valid_mean_bpm,
        rows[rows.breathing_status == "VALID"].breathing_bpm.mean(),
    )


def test_two_worker_local_cluster_equals_serial(
    corpus: Path, serial: object, cluster: object
) -> None:
    on_dask = run_batch([corpus], scheduler=cluster.scheduler_address)  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(on_dask.readings, serial.readings, check_exact=True)  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(on_dask.summaries, serial.summaries, check_exact=True)  # type: ignore[attr-defined]
    # Both workers took tasks.
    info = distributed.Client(cluster).run(lambda: 0)
    assert len(info) == 2


def test_sliced_on_dask_equals_the_unsliced_serial_run_exactly(
    corpus: Path, serial: object, cluster: object
) -> None:
    """The whole corpus (33 files) in 30 s slices on 2 workers: every ESP32 node stream is
    sliced (the 240 s ones into 9, their slices from 150 s on starting after the stream's
    first frame, with the dropout at 100 s inside the pre-roll of the 210 s slice), and the
    table equals the serial, unsliced run bit for bit: the pipeline's readings at t depend
    only on the frames of the last `DEFAULT_PREROLL_S` (141.5 s) and fall on whole seconds."""
    sliced = run_batch([corpus], scheduler=cluster.scheduler_address, slice_s=30.0)  # type: ignore[attr-defined]
    whole = serial.readings  # type: ignore[attr-defined]
    readings = sliced.readings
    assert DEFAULT_PREROLL_S == CAPTURE_MEMORY_S == 141.5
    for path in (f"long-{i:02d}.csi.jsonl" for i in (SHORT, SHORT + 1)):
        part = readings[readings.recording == path]
        # A little over 240 s in 30 s slices: 8 full ones and the last frames' slice.
        count = part.slice.max() + 1
        assert count == 9 and sorted(set(part.slice)) == list(range(count))
        # Each slice keeps only its own readings, on whole seconds of the Unix clock.
        start = part.timestamp_s.iloc[0] - part.time_s.iloc[0]
        for k in range(1, count):
            inside = part[part.slice == k].timestamp_s
            assert inside.min() >= start + k * SLICE_S / 2
            if k < count - 1:
                assert inside.max() < start + (k + 1) * SLICE_S / 2
        assert (part.timestamp_s == part.timestamp_s.round()).all()
        # Readings whose window spans the dropout are there, in the restarted slices too.
        assert part[part.slice >= 3].spans_gap.any()
    # The 90 s recordings (a little over: 4 slices) are sliced too.
    assert set(readings[readings.recording == "rec-00.csi.jsonl"].slice) == {0, 1, 2, 3}
    # Same rows, numbers and statuses; only the slice number differs.
    pd.testing.assert_frame_equal(
        readings.drop(columns="slice"), whole.drop(columns="slice"), check_exact=True
    )
    pd.testing.assert_frame_equal(sliced.summaries, serial.summaries, check_exact=True)  # type: ignore[attr-defined]
    # Slicing changes nothing on Dask or in-process alike.
    long = [corpus / "synthetic" / f"long-{i:02d}.csi.jsonl" for i in (SHORT, SHORT + 1)]
    in_process = run_batch(long, serial=True, slice_s=30.0)
    pd.testing.assert_frame_equal(
        in_process.readings,
        readings[readings.recording.isin([p.name for p in long])].reset_index(drop=True),
        check_exact=True,
        check_categorical=False,
    )
    # With a pre-roll shorter than the memory the restarted slices differ.
    short = run_batch(long, serial=True, slice_s=30.0, preroll_s=60.0)
    shortened = short.readings.drop(columns="slice")
    assert not shortened.equals(in_process.readings.drop(columns="slice"))
    for path in long:
        breathing = RATES[int(path.name[5:7]) % len(RATES)][0]
        rows = in_process.readings[in_process.readings.recording == path.name]
        valid = rows[rows.breathing_status == "VALID"].breathing_bpm
        assert abs(valid.mean() - breathing) < 1.0


def test_default_local_cluster_and_a_corrupt_file(corpus: Path, tmp_path: Path) -> None:
    files = sorted((corpus / "synthetic").glob("rec-0[0-2].csi.jsonl"))
    for f in files:
        shutil.copy(f, tmp_path)
    (tmp_path / "garbage.csi.jsonl").write_text("not json\n" * 10)
    pcap = bytearray((DATA / "formats" / "nexmon" / "example_4366c0.pcap").read_bytes())
    pcap[32:36] = b"\xff\xff\xff\x7f"  # the first packet's captured length: 2 GiB
    (tmp_path / "huge-length.pcap").write_bytes(bytes(pcap))
    result = run_batch([tmp_path], workers=2)
    errors = result.errors
    assert list(errors.recording) == ["garbage.csi.jsonl", "huge-length.pcap"]
    assert list(errors.error_type) == ["FormatError", "FormatError"]
    assert "none of its 10 lines is a .csi.jsonl record" in errors.message.iloc[0]
    assert "huge-length.pcap: no complete CSI frame (nexmon file)" in errors.message.iloc[1]
    # The others completed.
    assert sorted(set(result.readings.recording)) == [f.name for f in files]
    assert len(result.summaries) == 6


def test_parquet_round_trip(serial: object, tmp_path: Path) -> None:
    out = tmp_path / "results.parquet"
    written = serial.to_parquet(out)  # type: ignore[attr-defined]
    assert written == [
        out,
        tmp_path / "results.summaries.parquet",
        tmp_path / "results.errors.parquet",
    ]
    assert (out / "recording=rec-00.csi.jsonl" / "node=1").is_dir()
    back = pd.read_parquet(out)
    back["recording"] = back["recording"].astype(str)
    back["node"] = back["node"].astype("int64")
    back = _sorted(back[list(READING_COLUMNS)])
    expected = _sorted(serial.readings)  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(back, expected, check_exact=True, check_dtype=False)
    assert list(back.heart_status.cat.categories) == [s.name for s in VitalStatus]
    summaries = pd.read_parquet(written[1])
    assert len(summaries) == len(serial.summaries)  # type: ignore[attr-defined]
    with pytest.raises(FileExistsError, match="not empty"):
        serial.to_parquet(out)  # type: ignore[attr-defined]


def test_cli_batch(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli.parquet"
    inputs = [str(corpus / "synthetic" / "rec-0[0-1].csi.jsonl")]
    result = CliRunner().invoke(main, ["batch", *inputs, "--out", str(out), "--serial"])
    assert result.exit_code == 0, result.output
    assert "readings of 4 nodes/links, 0 failed files" in result.output
    back = pd.read_parquet(out)
    assert sorted(set(back.recording.astype(str))) == ["rec-00.csi.jsonl", "rec-01.csi.jsonl"]
    bad = tmp_path / "bad.csi.jsonl"
    bad.write_text("{}\n")
    result = CliRunner().invoke(
        main, ["batch", str(bad), *inputs, "--out", str(tmp_path / "two.parquet"), "--serial"]
    )
    assert result.exit_code == 1
    assert "1 failed files" in result.output
    long = str(corpus / "synthetic" / f"long-{SHORT:02d}.csi.jsonl")
    sliced = tmp_path / "sliced.parquet"
    args = ["batch", long, "--out", str(sliced), "--serial", "--slice-seconds", "60"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    # A little over 240 s in 60 s slices: the fifth holds the reading at 240 s.
    assert sorted(set(pd.read_parquet(sliced).slice)) == [0, 1, 2, 3, 4]
    result = CliRunner().invoke(
        main, ["batch", *inputs, "--out", str(tmp_path / "x"), "--serial", "--workers", "2"]
    )
    assert result.exit_code == 2
    assert "--serial runs without Dask" in result.output


def test_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch, corpus: Path) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"wifi-densepose\[batch\]"):
        run_batch([corpus / "synthetic" / "rec-00.csi.jsonl"], workers=1)
    # Serial execution needs no Dask.
    result = run_batch([corpus / "synthetic" / "rec-00.csi.jsonl"], serial=True)
    assert len(result.summaries) == 2


def test_argument_errors(corpus: Path) -> None:
    one = [corpus / "synthetic" / "rec-00.csi.jsonl"]
    with pytest.raises(ValueError, match="workers: must be at least 1"):
        run_batch(one, workers=0)
    with pytest.raises(ValueError, match="slice_s: must be positive"):
        run_batch(one, serial=True, slice_s=0)
    with pytest.raises(ValueError, match="not both"):
        run_batch(one, workers=2, scheduler="tcp://127.0.0.1:1")


def test_a_task_that_dies_outside_the_reader_is_reported(
    corpus: Path, cluster: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception that escapes a task on a worker (a worker killed by the out-of-memory
    killer raises KilledWorker here) becomes that file's error row; the others complete."""
    import wifi_densepose.batch as batch

    real = batch._run_task
    victim = "rec-01.csi.jsonl"

    def dying(task: object) -> object:
        if str(task.path).endswith(victim):  # type: ignore[attr-defined]
            raise MemoryError("worker ran out of memory")
        return real(task)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "_run_task", dying)
    files = [corpus / "synthetic" / f"rec-0{i}.csi.jsonl" for i in range(3)]
    result = run_batch(files, scheduler=cluster.scheduler_address)  # type: ignore[attr-defined]
    assert list(result.errors.recording) == [victim]
    assert list(result.errors.error_type) == ["MemoryError"]
    assert list(result.errors.message) == ["worker ran out of memory"]
    assert sorted(set(result.readings.recording)) == ["rec-00.csi.jsonl", "rec-02.csi.jsonl"]
