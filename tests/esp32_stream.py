"""Semi-synthetic ESP32 streams: real timing, real layouts, int8 CSI with known vitals.

The timing and layout model is fitted to the bundled real capture
(`tests/data/esp32-excerpt.csi.jsonl`), per node:
- intervals and layouts: the node's own sequence of (interval to the next raw CSI frame,
  layout of that frame) pairs, resampled in blocks of 8 (a block bootstrap keeps the
  interleaving of 64-, 128- and 192-bin frames and the jitter of the host receive times);
- rate drift: intervals stretched by 1 to 1.45 along a 90 s cycle, so the node's rate wanders
  from its recorded ~22 Hz down to ~15 Hz as real nodes do over minutes;
- gaps: about one frame in 100 is followed by an extra 0.1-0.2 s (intervals up to ~0.3 s), and
  optionally one dropout of `dropout_s` seconds, longer than any pipeline interpolates across.

The CSI of a frame at time t with n bins: the node's mean I/Q profile of that layout (so the
always-zero DC and guard bins stay zero and each layout keeps its recorded level), amplitude
scaled per bin by 1 + w_k·m(t) with m(t) = d_b·sin(2π f_b t + θ_b) + d_h·sin(2π f_h t + θ_h)
and positive per-bin weights w_k in [0.5, 1.5] (a chest near the link moves every subcarrier's
amplitude the same way, by different amounts); plus a moving person further away: a reflected
path of 3 % of the bin's level whose phase turns with a slowly wandering path length
(|velocity| up to 2.5 cm/s) and differs per bin; plus complex Gaussian noise of 0.7 LSB; then
rounded to int8 as the node's firmware does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from wifi_densepose.vitals import VitalsResult

EXCERPT = Path(__file__).parent / "data" / "esp32-excerpt.csi.jsonl"
WAVELENGTH_M = 0.125
"""2.4 GHz."""

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class NodeModel:
    """One node's recorded (interval s, layout bins) pairs and mean complex profile per layout."""

    node_id: int
    steps: tuple[tuple[float, int], ...]
    profiles: dict[int, npt.NDArray[np.complex128]]


def _iq(hex_text: str) -> npt.NDArray[np.complex128]:
    raw = np.frombuffer(bytes.fromhex(hex_text), dtype=np.int8).astype(np.float64)
    return raw[0::2] + 1j * raw[1::2]


def fit_models(path: Path = EXCERPT) -> dict[int, NodeModel]:
    """The timing, layout and profile model of every node of a real recording."""
    frames: dict[int, list[tuple[float, npt.NDArray[np.complex128]]]] = {}
    for line in path.read_text().splitlines():
        record = json.loads(line)
        if record.get("type") == "raw_csi":
            frames.setdefault(record["node_id"], []).append(
                (record["timestamp"], _iq(record["iq_hex"]))
            )
    models = {}
    for node_id, node_frames in frames.items():
        times = np.array([t for t, _ in node_frames])
        widths = [len(z) for _, z in node_frames]
        steps = tuple((float(dt), int(w)) for dt, w in zip(np.diff(times), widths[1:], strict=True))
        profiles = {
            w: np.mean([z for (_, z), wz in zip(node_frames, widths, strict=True) if wz == w], 0)
            for w in set(widths)
        }
        models[node_id] = NodeModel(node_id, steps, profiles)
    return models


@dataclass(frozen=True)
class Stream:
    """Frames of one node: times (s), layouts and int8 I/Q `[frame] -> complex [bins]`."""

    node_id: int
    times: FloatArray
    widths: npt.NDArray[np.int64]
    csi: tuple[npt.NDArray[np.complex128], ...]
    breathing_bpm: float
    heart_bpm: float

    def write_jsonl(self, path: Path, start: float = 1_775_000_000.0) -> None:
        """The frames as raw_csi lines of RuView's `.csi.jsonl` recording format."""
        with path.open("a") as out:
            for t, z in zip(self.times, self.csi, strict=True):
                iq = np.empty(2 * len(z), dtype=np.int8)
                iq[0::2] = z.real.astype(np.int8)
                iq[1::2] = z.imag.astype(np.int8)
                line = {
                    "timestamp": round(start + float(t), 6),
                    "node_id": self.node_id,
                    "magic": "0xC5110001",
                    "size": 20 + len(iq),
                    "rssi": -50,
                    "type": "raw_csi",
                    "iq_hex": iq.tobytes().hex(),
                    "subcarriers": len(z),
                }
                out.write(json.dumps(line) + "\n")


def timing(
    model: NodeModel,
    seconds: float,
    rng: np.random.Generator,
    dropout_at_s: float | None,
    dropout_s: float,
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Frame times and layouts for `seconds`, from the model (see the module docstring)."""
    steps = model.steps
    block = 8
    times = [0.0]
    widths = [steps[0][1]]
    phase0 = rng.uniform(0, 2 * np.pi)
    dropped = dropout_at_s is None
    while times[-1] < seconds:
        start = int(rng.integers(0, len(steps) - block))
        for dt, width in steps[start : start + block]:
            t = times[-1]
            stretch = 1.0 + 0.45 * 0.5 * (1.0 - np.cos(2 * np.pi * t / 90.0 + phase0))
            dt = dt * stretch
            if rng.random() < 0.01:
                dt += rng.uniform(0.1, 0.2)
            if not dropped and dropout_at_s is not None and t >= dropout_at_s:
                dt += dropout_s
                dropped = True
            times.append(t + dt)
            widths.append(width)
    return np.array(times), np.array(widths, dtype=np.int64)


def stream(
    model: NodeModel,
    *,
    seconds: float,
    breathing_bpm: float,
    heart_bpm: float,
    breathing_depth: float,
    heart_depth: float,
    seed: int,
    dropout_at_s: float | None = None,
    dropout_s: float = 1.5,
    noise_lsb: float = 0.7,
    interference: float = 0.03,
) -> Stream:
    """One node's semi-synthetic stream (see the module docstring)."""
    rng = np.random.default_rng(seed)
    times, widths = timing(model, seconds, rng, dropout_at_s, dropout_s)
    theta_b, theta_h = rng.uniform(0, 2 * np.pi, 2)
    body = breathing_depth * np.sin(2 * np.pi * breathing_bpm / 60 * times + theta_b)
    body += heart_depth * np.sin(2 * np.pi * heart_bpm / 60 * times + theta_h)
    max_bins = max(model.profiles)
    weights = rng.uniform(0.5, 1.5, max_bins)
    bin_phase = rng.uniform(0, 2 * np.pi, max_bins)
    # The moving person's path length: integrated velocity, a smooth random walk in ±2.5 cm/s.
    velocity = np.cumsum(rng.normal(0, 0.002, len(times)))
    velocity = 0.025 * np.tanh(velocity / 0.025)
    path = np.cumsum(velocity * np.diff(times, prepend=times[0]))
    csi = []
    for i, width in enumerate(widths):
        profile = model.profiles[int(width)]
        level = np.abs(profile)
        z = profile * (1.0 + weights[:width] * body[i])
        z = z + interference * level * np.exp(
            1j * (2 * np.pi * path[i] / WAVELENGTH_M + bin_phase[:width])
        )
        noise = rng.normal(0, noise_lsb, (2, width))
        z = z + noise[0] + 1j * noise[1]
        z = np.clip(np.round(z.real), -128, 127) + 1j * np.clip(np.round(z.imag), -128, 127)
        # The node zeroes its DC and guard bins: they carry no signal and no noise.
        z[level == 0] = 0
        csi.append(z)
    return Stream(model.node_id, times, widths, tuple(csi), breathing_bpm, heart_bpm)


@dataclass(frozen=True)
class Case:
    """One stream of the accuracy study: node model, rates (BPM), depths, seed."""

    node_id: int
    breathing_bpm: float
    heart_bpm: float
    breathing_depth: float
    heart_depth: float
    seed: int


def study_cases() -> list[Case]:
    """Both nodes' timing; breathing 8-24 BPM, heart 55-115 BPM; two depths each."""
    rates = [(8, 62), (12, 70), (16, 78), (20, 90), (24, 105), (14, 115), (10, 55)]
    depths = [(0.10, 0.06), (0.06, 0.04)]
    cases = []
    for node_id in (1, 2):
        for breathing, heart in rates:
            for breathing_depth, heart_depth in depths:
                cases.append(
                    Case(node_id, breathing, heart, breathing_depth, heart_depth, len(cases))
                )
    return cases


STUDY_SECONDS = 150.0
DROPOUT_AT_S = 70.0
"""Each stream loses 1.5 s of frames here (readings whose window spans it are flagged)."""


def study_stream(models: dict[int, NodeModel], case: Case) -> Stream:
    return stream(
        models[case.node_id],
        seconds=STUDY_SECONDS,
        breathing_bpm=case.breathing_bpm,
        heart_bpm=case.heart_bpm,
        breathing_depth=case.breathing_depth,
        heart_depth=case.heart_depth,
        seed=case.seed,
        dropout_at_s=DROPOUT_AT_S,
        noise_lsb=0.5,
    )


@dataclass(frozen=True)
class Errors:
    """|estimate - truth| (BPM) of every available reading, and of the VALID ones."""

    breathing: FloatArray
    heart: FloatArray
    breathing_valid: FloatArray
    heart_valid: FloatArray

    def row(self) -> dict[str, float]:
        def pct(x: FloatArray, q: float) -> float:
            return float(np.percentile(x, q)) if len(x) else float("nan")

        return {
            "breathing_median": pct(self.breathing, 50),
            "breathing_p90": pct(self.breathing, 90),
            "breathing_valid_max": float(self.breathing_valid.max(initial=0.0)),
            "breathing_valid_share": len(self.breathing_valid) / max(len(self.breathing), 1),
            "heart_median": pct(self.heart, 50),
            "heart_p90": pct(self.heart, 90),
            "heart_valid_max": float(self.heart_valid.max(initial=0.0)),
            "heart_valid_share": len(self.heart_valid) / max(len(self.heart), 1),
        }


def errors_of(results: list[tuple[Case, VitalsResult]]) -> Errors:
    """Pooled errors of `(case, VitalsResult)` pairs."""
    parts: dict[str, list[FloatArray]] = {"b": [], "h": [], "vb": [], "vh": []}
    for case, result in results:
        for key, bpm, truth, status in (
            ("b", result.breathing_bpm, case.breathing_bpm, result.breathing_status),
            ("h", result.heart_bpm, case.heart_bpm, result.heart_status),
        ):
            error = np.abs(np.asarray(bpm) - truth)
            parts[key].append(error[~np.isnan(error)])
            parts["v" + key].append(error[np.asarray(status) == 0])
    joined = {k: np.concatenate(v) if v else np.zeros(0) for k, v in parts.items()}
    return Errors(joined["b"], joined["h"], joined["vb"], joined["vh"])


def run_study(directory: Path) -> tuple[Errors, Errors]:
    """Every study case written as a recording in `directory`, read back and estimated two
    ways: time-true (`CaptureVitals.process_recording`: every layout, timestamps, null bins
    out) and with timestamps ignored (the node's most frequent layout fed to a
    `VitalsPipeline` at its mean frame rate as if evenly spaced)."""
    from wifi_densepose.io import load_recording
    from wifi_densepose.vitals import CaptureVitals, VitalsPipeline

    models = fit_models()
    time_true, ignored = [], []
    for case in study_cases():
        path = directory / f"study-{case.seed}.csi.jsonl"
        study_stream(models, case).write_jsonl(path)
        recording = load_recording(path)
        time_true.append((case, CaptureVitals().process_recording(recording, case.node_id)))
        times, csi = recording.csi(case.node_id)
        rate = (len(times) - 1) / float(times[-1] - times[0])
        pipeline = VitalsPipeline(n_subcarriers=csi.shape[1], sample_rate_hz=rate)
        ignored.append((case, pipeline.process(np.abs(csi), np.angle(csi))))
    return errors_of(time_true), errors_of(ignored)
