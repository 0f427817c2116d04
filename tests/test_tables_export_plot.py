"""DataFrames, Parquet export, one vocabulary, the vitals plot and argument errors (issue 14)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from wifi_densepose.cli import main
from wifi_densepose.client.messages import parse_message
from wifi_densepose.errors import NonFiniteError, ValidationError
from wifi_densepose.io import load_recording, open_recording
from wifi_densepose.reports import NodeReport, ReadingRow, plot_reports, vitals_figure
from wifi_densepose.signal import hampel
from wifi_densepose.vitals import VitalsPipeline, VitalStatus

DATA = Path(__file__).parent / "data"
FORMATS = DATA / "formats"
ROOT = Path(__file__).parent.parent


def _breathing_result(offset_s: float = 0.0):  # type: ignore[no-untyped-def]
    # 30 s at 100 Hz of a 0.25 Hz (15 BPM) modulation on 8 subcarriers.
    t = np.arange(3000) / 100.0
    a = 1.0 + 0.1 * np.sin(2 * np.pi * 0.25 * t)[:, None] * np.ones((1, 8))
    pipeline = VitalsPipeline(8, 100.0)
    if offset_s:
        return pipeline.process(a, np.zeros_like(a), timestamps=t + offset_s)
    return pipeline.process(a, np.zeros_like(a))


def test_vitals_result_to_pandas_columns_statuses_and_times() -> None:
    result = _breathing_result()
    df = result.to_pandas()
    assert list(df.columns) == [
        "timestamp_s", "frame_index", "breathing_bpm", "breathing_confidence",
        "breathing_status", "heart_bpm", "heart_confidence", "heart_status",
        "signal_quality", "spans_gap",
    ]  # fmt: skip
    # Heart rate needs 5 s: the first reading is frame 499 (4.99 s); the last is frame 2999.
    assert df["timestamp_s"].iloc[0] == pytest.approx(4.99)
    assert df["timestamp_s"].iloc[-1] == pytest.approx(29.99)
    assert np.array_equal(df["frame_index"], np.round(df["timestamp_s"] * 100).astype(int))
    assert df["breathing_status"].dtype == "category"
    assert list(df["breathing_status"].cat.categories) == [s.name for s in VitalStatus]
    # Breathing needs 10 s of CSI: UNAVAILABLE (NaN rate) before, 15 BPM after.
    first = df.iloc[0]
    assert first["breathing_status"] == "UNAVAILABLE" and np.isnan(first["breathing_bpm"])
    assert df["breathing_bpm"].iloc[-1] == pytest.approx(15.0, abs=0.5)
    assert "time" not in df.columns  # seconds from 0: no clock time
    d = result.to_dict()
    assert d["breathing_status"][0] == "UNAVAILABLE"
    assert "readings" in result._repr_html_() and "<table>" in result._repr_html_()


def test_absolute_times_get_a_utc_datetime_column() -> None:
    start = 1_775_182_187.0  # 2026-04-03T02:09:47Z
    df = _breathing_result(offset_s=start).to_pandas()
    assert str(df["time"].dt.tz) == "UTC"
    first = df["time"].iloc[0].timestamp()
    expected = dt.datetime(2026, 4, 3, 2, 9, 47, tzinfo=dt.timezone.utc).timestamp()
    assert abs((first - expected) - (df["timestamp_s"].iloc[0] - start)) < 1e-3


def test_reading_to_dict_uses_the_result_columns() -> None:
    result = _breathing_result()
    last = result.readings[-1]
    d = last.to_dict()
    assert d["breathing_bpm"] == result.breathing_bpm[-1]
    assert d["heart_status"] == VitalStatus(int(result.heart_status[-1])).name
    assert np.isnan(result.readings[0].to_dict()["breathing_bpm"])  # UNAVAILABLE
    assert list(last.to_pandas().columns)[:2] == ["timestamp_s", "breathing_bpm"]


def test_old_spellings_warn_and_give_the_same_values() -> None:
    result = _breathing_result()
    with pytest.warns(DeprecationWarning, match=r"readings\(\) is deprecated; use"):
        called = result.readings()
    assert called == result.readings
    r = result.readings[-1]
    with pytest.warns(DeprecationWarning, match="use VitalReading.timestamp_s"):
        assert r.timestamp_secs == r.timestamp_s == pytest.approx(29.99)
    with pytest.warns(DeprecationWarning, match="use VitalReading.heart"):
        assert r.heart_rate == r.heart
    with pytest.warns(DeprecationWarning, match="use VitalReading.breathing"):
        assert r.respiratory_rate == r.breathing
    recording = load_recording(DATA / "esp32-excerpt.csi.jsonl")
    v = recording.vitals(2)[0]
    assert (v.breathing_bpm, v.heart_bpm) == (22.42, 85.0)  # docs/wire.md §2.4 example line
    with pytest.warns(DeprecationWarning, match="use VitalsRecord.heart_bpm"):
        assert v.heartrate_bpm == 85.0


def test_client_messages_use_the_house_spelling_with_aliases() -> None:
    update = parse_message(
        {
            "type": "sensing_update",
            "vital_signs": {
                "breathing_rate_bpm": 14.2,
                "heart_rate_bpm": 61.5,
                "heartbeat_confidence": 0.4,
            },
        }
    )
    signs = update.vital_signs  # type: ignore[union-attr]
    assert (signs.breathing_bpm, signs.heart_bpm, signs.heart_confidence) == (14.2, 61.5, 0.4)
    with pytest.warns(DeprecationWarning, match="use VitalSigns.heart_bpm"):
        assert signs.heart_rate_bpm == 61.5
    edge = parse_message({"type": "edge_vitals", "breathing_rate_bpm": 15.5, "heartrate_bpm": 72})
    assert (edge.breathing_bpm, edge.heart_bpm) == (15.5, 72.0)  # type: ignore[union-attr]
    with pytest.warns(DeprecationWarning, match="EdgeVitals.heartrate_bpm is deprecated"):
        assert edge.heartrate_bpm == 72.0  # type: ignore[union-attr]


def test_missing_pandas_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install 'wifi-densepose\[dataframe\]'"):
        _breathing_result().to_pandas()
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    out = CliRunner().invoke(
        main, ["export", str(DATA / "esp32-excerpt.csi.jsonl"), "--parquet", "/dev/null"]
    )
    assert out.exit_code != 0
    assert "wifi-densepose[dataframe]" in str(out.exception)


def test_recording_tables() -> None:
    recording = load_recording(DATA / "esp32-excerpt.csi.jsonl")
    records = recording.to_pandas()
    assert len(records) == len(recording)
    assert set(records["kind"]) == {"raw_csi", "vitals", "feature"}
    assert set(records.loc[records["kind"] == "vitals", "magic"]) == {0xC5110002}
    assert str(records["time"].dt.tz) == "UTC"
    device = recording.to_pandas("vitals", node_id=2)
    # docs/wire.md §2.4: the first vitals line of node 2 is 22.42 / 85.0 BPM at 1775182187.3520563.
    assert (device["breathing_bpm"].iloc[0], device["heart_bpm"].iloc[0]) == (22.42, 85.0)
    assert device["timestamp_s"].iloc[0] == 1775182187.3520563
    _, csi = recording.csi(1)
    long = recording.to_dict("csi", node_id=1)
    # Every layout, the most frequent (what Recording.csi gives) first.
    assert len(long["real"]) == sum(bins * count for bins, count in recording.layouts(1))
    assert np.all(long["bins"][: csi.size] == csi.shape[1])
    k = 5 * csi.shape[1] + 7  # frame 5, subcarrier 7
    assert (long["frame"][k], long["subcarrier"][k]) == (5, 7)
    assert (long["real"][k], long["imag"][k]) == (csi[5, 7].real, csi[5, 7].imag)
    html = recording._repr_html_()
    assert "node 1" in html and "node 2" in html


CASES = [
    "intel5300/example.dat",
    "nexmon/example_4358.pcap",
    "picoscenes/picoscenes_iwl5300_example.csi",
    "feitcsi/HT20_2452.csi",
    "esp32-csi-tool/example_data.csv",
    "ruview-amplitude-v1/rec_1772470567081-20260302_165607.csi.jsonl",
]


@pytest.mark.parametrize("name", CASES)
def test_parquet_export_round_trips_the_csi(name: str, tmp_path: Path) -> None:
    out = tmp_path / "csi.parquet"
    result = CliRunner().invoke(main, ["export", str(FORMATS / name), "--parquet", str(out)])
    assert result.exit_code == 0, result.output
    table = pq.read_table(out).to_pandas()
    capture = open_recording(FORMATS / name)
    expected_rows = int(np.prod(capture.frame_shape, axis=1).sum())
    assert len(table) == expected_rows
    rebuilt = np.zeros_like(capture.csi)
    rebuilt[table["frame"], table["subcarrier"], table["rx"], table["tx"]] = (
        table["real"].to_numpy() + 1j * table["imag"].to_numpy()
    )
    assert np.array_equal(rebuilt, capture.csi)
    assert np.array_equal(
        table.groupby("frame")["timestamp_s"].first().to_numpy(), capture.timestamps_s
    )


def test_parquet_export_of_a_recording_vitals_and_device(tmp_path: Path) -> None:
    src = str(DATA / "esp32-excerpt.csi.jsonl")
    runner = CliRunner()
    assert (
        runner.invoke(main, ["export", src, "--parquet", str(tmp_path / "c.parquet")]).exit_code
        == 0
    )
    csi = pq.read_table(tmp_path / "c.parquet").to_pandas()
    recording = load_recording(src)
    _, node1 = recording.csi(1)
    first = csi[(csi["node_id"] == 1) & (csi["frame"] == 0) & (csi["bins"] == node1.shape[1])]
    assert np.array_equal(first["real"].to_numpy() + 1j * first["imag"].to_numpy(), node1[0])
    # Every frame of every layout: as many rows as bins over all raw CSI frames.
    expected = sum(bins * count for n in (1, 2) for bins, count in recording.layouts(n))
    assert len(csi) == expected
    r = runner.invoke(
        main, ["export", src, "--parquet", str(tmp_path / "d.parquet"), "--table", "device"]
    )
    assert r.exit_code == 0, r.output
    device = pq.read_table(tmp_path / "d.parquet").to_pandas()
    assert len(device) == 16  # 8 edge-vitals lines per node
    r = runner.invoke(
        main, ["export", src, "--parquet", str(tmp_path / "v.parquet"), "--table", "vitals"]
    )
    assert r.exit_code == 0, r.output
    vitals = pq.read_table(tmp_path / "v.parquet").to_pandas()
    assert set(vitals["breathing_status"].astype(str)) <= {s.name for s in VitalStatus}
    assert {"timestamp_s", "time", "heart_bpm", "heart_confidence", "device_heart_bpm"} <= set(
        vitals.columns
    )
    r = runner.invoke(main, ["export", src, "--npz", str(tmp_path / "c.npz")])
    assert r.exit_code == 0, r.output
    with np.load(tmp_path / "c.npz") as z:
        assert np.array_equal(z["node1_csi"], node1)


def _long_report(n: int) -> NodeReport:
    t = np.arange(n, dtype=float)
    statuses = ["VALID", "DEGRADED", "UNRELIABLE", "UNAVAILABLE"]
    rows = tuple(
        ReadingRow(
            node_id=1, time_s=float(ti), timestamp_s=1.7e9 + ti,
            breathing_bpm=15 + np.sin(ti / 60), breathing_confidence=0.8,
            breathing_status=statuses[i % 3], heart_bpm=70 + 5 * np.sin(ti / 90),
            heart_confidence=0.5, heart_status=statuses[(i + 1) % 4] if i % 4 != 3 else "VALID",
            signal_quality=0.6, spans_gap=False, device_breathing_bpm=None, device_heart_bpm=None,
        )
        for i, ti in enumerate(t)
    )  # fmt: skip
    return NodeReport(1, n, float(n), 56, (), 100.0, n, 0, 0, None, 0, rows)


def test_plot_of_a_long_result_has_two_axes_and_each_file_type(tmp_path: Path) -> None:
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt

    report = _long_report(2400)  # 40 minutes, one reading per second
    fig = vitals_figure([report], None, absolute_time=True)
    breathing, heart = fig.axes[:2]
    assert (breathing.get_ylabel(), heart.get_ylabel()) == ("breathing (BPM)", "heart (BPM)")
    assert breathing.get_ylim()[1] < 20 < 60 < heart.get_ylim()[0]  # own scales, no 10-120 axis
    plt.close(fig)
    for suffix, magic in ((".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")):
        path = tmp_path / f"vitals{suffix}"
        plot_reports([report], None, path, absolute_time=True)
        assert path.read_bytes()[:5].startswith(magic)
    image = mpimg.imread(tmp_path / "vitals.png")
    assert image.shape[0] > 300 and image.shape[1] > 600
    assert float(np.std(image[..., :3])) > 0.05  # not blank
    # Pixels of the breathing colour (tab:blue) and the heart colour (tab:red) both present.
    rgb = image[..., :3]
    blue = np.all(np.abs(rgb - np.array([0.12, 0.47, 0.71])) < 0.08, axis=-1).sum()
    red = np.all(np.abs(rgb - np.array([0.84, 0.15, 0.16])) < 0.08, axis=-1).sum()
    assert blue > 100 and red > 100
    with pytest.raises(ValidationError, match=r"plot: the file name must end in \.png"):
        plot_reports([report], None, tmp_path / "vitals.jpg")


def test_argument_errors_name_the_argument_and_position() -> None:
    with pytest.raises(ValidationError) as e:
        hampel(np.ones(5), half_window=-1)
    assert str(e.value) == "half_window: must be >= 1, got -1"
    with pytest.raises(ValidationError) as e:
        hampel(np.ones(5), half_window=6)
    assert str(e.value) == (
        "half_window: must be at most the length of x along the filtered axis (5), got 6"
    )
    a = np.ones((20, 56))
    with pytest.raises(ValidationError) as e:
        VitalsPipeline(56, 100.0).process(a, None)
    assert str(e.value) == (
        "phases: expected an array of real numbers (float or int dtype), got None"
    )
    bad = a.copy()
    bad[3, 7] = np.nan  # flat index 175
    with pytest.raises(NonFiniteError) as nf:
        VitalsPipeline(56, 100.0).process(bad, np.zeros_like(a))
    assert str(nf.value) == "amplitudes contains a non-finite value (nan) at [3, 7]".replace(
        "(nan)", "(NaN)"
    )
    negative = a.copy()
    negative[2, 9] = -0.5
    with pytest.raises(ValidationError) as e:
        VitalsPipeline(56, 100.0).process(negative, np.zeros_like(a))
    assert str(e.value) == "amplitudes: must be >= 0 (magnitudes), got -0.5 at [2, 9]"
    with pytest.raises(ValidationError) as e:
        hampel(np.ones((2, 2, 2)))
    assert "shape [2, 2, 2]" in str(e.value)
    # No doubled class prefix: the class says "ValidationError", the text does not repeat it.
    with pytest.raises(ValidationError) as e:
        VitalsPipeline(56, 0.0)
    assert not str(e.value).lower().startswith("validation error")


def test_notebook_example_runs(tmp_path: Path) -> None:
    out = tmp_path / "nb.png"
    example = ROOT / "examples" / "notebook_vitals.py"
    code = [
        line
        for line in example.read_text().splitlines()
        if line.strip() and not line.startswith(("#", '"""', "Run:", "Needs", "import", "from"))
    ]
    assert len(code) < 15 + 2  # the two argv lines are the script's, not user code
    run = subprocess.run(
        [sys.executable, str(example), str(DATA / "esp32-excerpt.csi.jsonl"), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "node 1: 4 readings" in run.stdout and "node 2: 4 readings" in run.stdout
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_no_deprecation_warnings_from_the_package_itself() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        recording = load_recording(DATA / "esp32-excerpt.csi.jsonl")
        recording.to_pandas("vitals")
        _breathing_result().to_pandas()
