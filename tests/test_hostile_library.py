"""Hostile input to the library: no abort, no segfault, no silent wrong answer.

Every case that used to kill the interpreter (SIGSEGV from unbounded recursion, SIGABRT from a
failed allocation) runs in a child interpreter, so a regression fails the test instead of
killing the test run. The property suite at the end runs hypothesis over every size argument
of every constructor and function, also in a child.
"""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import wifi_densepose as wdp
from wifi_densepose import FrequencyBand
from wifi_densepose.errors import NonFiniteError, RecordingWarning, ValidationError
from wifi_densepose.io import load_recording
from wifi_densepose.signal import HardwareNormalizer, HardwareType, detrend_linear
from wifi_densepose.utils import normalize_min_max, normalize_zscore
from wifi_densepose.vitals import BreathingExtractor, HeartRateExtractor

DATA = Path(__file__).resolve().parent / "data"
EXCERPT = DATA / "esp32-excerpt.csi.jsonl"


def run_child(code: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Runs `code` in a fresh interpreter; a crash shows up as a negative return code."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def expect_error(code: str, error: str, message: str) -> None:
    """`code` must raise `error` (a class name) whose text contains `message`."""
    child = run_child(
        f"""
        import numpy as np
        try:
{textwrap.indent(textwrap.dedent(code), "            ")}
        except Exception as e:
            print(type(e).__name__, "|", e)
        else:
            print("no error")
        """
    )
    assert child.returncode == 0, f"child died with {child.returncode}: {child.stderr[-2000:]}"
    name, _, text = child.stdout.strip().partition(" | ")
    assert name == error, child.stdout
    assert message in text, child.stdout


# --- unbounded recursion in from_dict -------------------------------------------------------

NESTED = {
    "deep list": "x = []\nfor _ in range(100_000):\n    x = [x]\nK.from_dict({'kind': x})",
    "self-referential list": "x = []\nx.append(x)\nK.from_dict({'kind': x})",
    "self-referential dict": "d = {}\nd['d'] = d\nK.from_dict(d)",
    "tolist returns itself": (
        "class T:\n    def tolist(self):\n        return self\nK.from_dict(T())"
    ),
}


@pytest.mark.parametrize("case", sorted(NESTED))
@pytest.mark.parametrize("type_name", ["Keypoint", "PersonPose", "CsiMetadata", "Confidence"])
def test_from_dict_refuses_deep_or_cyclic_input(case: str, type_name: str) -> None:
    expect_error(
        f"from wifi_densepose import {type_name} as K\n" + NESTED[case],
        "ValidationError",
        "nested more than 64 levels deep",
    )


def test_from_dict_still_reads_real_data() -> None:
    pose = wdp.PersonPose(id=3, confidence=0.75)
    assert wdp.PersonPose.from_dict(pose.to_dict()) == pose


# --- size arguments ---------------------------------------------------------------------------

LIMIT = 16_777_216  # 2**24, wifi_densepose_core::validate::MAX_LENGTH

SIZES = {
    "hamming_window": ("from wifi_densepose.signal import hamming_window as f\nf(10**12)", "n"),
    "catmull_rom_resample": (
        "from wifi_densepose.signal import catmull_rom_resample as f\nf(np.ones(4), 10**12)",
        "n_out",
    ),
    "CsiProcessorConfig": (
        "from wifi_densepose.signal import CsiProcessorConfig as C\nC(max_history_size=10**9)",
        "max_history_size",
    ),
    "FeatureExtractorConfig": (
        "from wifi_densepose.signal import FeatureExtractorConfig as C\nC(fft_size=2**31)",
        "fft_size",
    ),
    "MotionDetectorConfig": (
        "from wifi_densepose.signal import MotionDetectorConfig as C\nC(history_size=10**12)",
        "history_size",
    ),
    "VitalsPipeline": (
        "from wifi_densepose.vitals import VitalsPipeline as C\nC(n_subcarriers=10**12)",
        "n_subcarriers",
    ),
    "CsiVitalPreprocessor": (
        "from wifi_densepose.vitals import CsiVitalPreprocessor as C\nC(10**12)",
        "n_subcarriers",
    ),
    "BvpConfig": (
        "from wifi_densepose.signal import BvpConfig as C\nC(n_velocity_bins=10**12)",
        "n_velocity_bins",
    ),
    "HardwareNormalizer": (
        "from wifi_densepose.signal import HardwareNormalizer as C\n"
        "C(canonical_subcarriers=10**12)",
        "canonical_subcarriers",
    ),
}


@pytest.mark.parametrize("name", sorted(SIZES))
def test_size_argument_beyond_the_limit_is_a_validation_error(name: str) -> None:
    code, field = SIZES[name]
    expect_error(code, "ValidationError", f"{field}: must be in [")
    expect_error(code, "ValidationError", f"{LIMIT}], got ")


def test_hampel_rejects_a_window_wider_than_the_signal() -> None:
    child = run_child(
        """
        import numpy as np
        from wifi_densepose.signal import hampel
        x = np.array([1.0, 2.0, 100.0, 3.0, 4.0])
        for h in (10**12, 6):
            try:
                hampel(x, half_window=h)
            except ValueError as e:
                print(type(e).__name__, e)
        print(hampel(x, half_window=5).filtered.tolist())
        """
    )
    assert child.returncode == 0, child.stderr[-2000:]
    lines = child.stdout.strip().splitlines()
    assert lines[0] == (
        "ValidationError half_window: must be at most the length of x along the filtered axis "
        "(5), got 1000000000000"
    )
    assert lines[1].endswith("(5), got 6")
    # half_window 5 on 5 samples: every window is the whole signal. Median 3, MAD 1, sigma
    # 1.4826: only 100 is more than 3 sigma away and becomes the median.
    assert lines[2] == "[1.0, 2.0, 3.0, 3.0, 4.0]"


def test_ratio_matrix_of_too_many_antennas_is_refused() -> None:
    # 200,000 antennas: 19,999,900,000 pairs x 2 subcarriers, far beyond 2**27 elements.
    expect_error(
        "from wifi_densepose.signal import compute_ratio_matrix as f\n"
        "f(np.ones((200000, 2), complex))",
        "ValidationError",
        "would exceed the limit of 134217728 elements",
    )


def test_feature_extraction_of_too_many_antennas_is_refused() -> None:
    expect_error(
        "from wifi_densepose.signal import CsiData, FeatureExtractor\n"
        "FeatureExtractor().extract(CsiData(np.ones((200000, 2)), np.zeros((200000, 2))))",
        "ValidationError",
        "at most 1024 antenna rows, got 200000",
    )


# --- NaN in static helpers --------------------------------------------------------------------


def test_static_vitals_helpers_reject_nan() -> None:
    with pytest.raises(NonFiniteError, match="history contains a non-finite value"):
        BreathingExtractor.ruview_confidence([1.0, 2.0, np.nan, 4.0, 5.0])
    with pytest.raises(NonFiniteError, match=r"at \[1\]"):
        BreathingExtractor.zero_crossings([1.0, np.nan, -1.0])
    with pytest.raises(NonFiniteError, match="signal"):
        HeartRateExtractor.autocorrelation_peak(np.full(100, np.nan), 100.0)
    with pytest.raises(ValidationError, match="sample_rate_hz"):
        HeartRateExtractor.autocorrelation_peak(np.sin(np.arange(100.0)), 0.0)
    # Finite input keeps working: +1,-1,+1,-1 crosses zero three times.
    assert BreathingExtractor.zero_crossings([1.0, -1.0, 1.0, -1.0]) == 3


# --- wrong argument types ---------------------------------------------------------------------


def test_keypoint_kind_of_the_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="expected a KeypointType or an int, got float"):
        wdp.Keypoint(1.5, 0.1, 0.2, 0.9)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="got NoneType"):
        wdp.PersonPose().get_keypoint(None)  # type: ignore[arg-type]
    assert wdp.PersonPose().get_keypoint(wdp.KeypointType.NOSE) is None


# --- finite extremes --------------------------------------------------------------------------


def test_finite_extremes_do_not_overflow() -> None:
    # A line through -1e308, 0, 1e308 has no residual; its z-scores are -1, 0, 1 (sample std
    # 1e308) and population z-scores of +-1e308 are +-1.
    line = np.array([-1e308, 0.0, 1e308])
    assert detrend_linear(line).tolist() == [0.0, 0.0, 0.0]
    assert normalize_zscore(np.array([1e308, -1e308])).tolist() == [1.0, -1.0]
    assert normalize_min_max(np.array([1e308, -1e308, 0.0])).tolist() == [1.0, 0.0, 0.5]
    # Ordinary values are unchanged by the overflow guard (least-squares residuals of 1,3,2).
    assert detrend_linear(np.array([1.0, 3.0, 2.0])).tolist() == pytest.approx([-0.5, 1.0, -0.5])


def test_hardware_normalizer_on_extreme_amplitudes_stays_finite() -> None:
    # 56 alternating +-1e308 (mean 0): z-scored by the sample std 1e308*sqrt(56/55), so
    # every |z| is sqrt(55/56).
    amplitude = np.array([1e308, -1e308] * 28)
    frame = HardwareNormalizer(56).normalize(amplitude, np.zeros(56), HardwareType.ATHEROS)
    values = np.asarray(frame.amplitude)
    assert np.all(np.isfinite(values))
    assert np.allclose(np.abs(values), np.sqrt(55 / 56))


# --- enums pickle and copy --------------------------------------------------------------------


@pytest.mark.parametrize(
    "member",
    [
        FrequencyBand.BAND_2_4GHZ,
        FrequencyBand.BAND_6GHZ,
        HardwareType.ESP32_S3,
        HardwareType.GENERIC,
    ],
)
def test_enums_pickle_and_copy_to_the_same_member(member: object) -> None:
    assert pickle.loads(pickle.dumps(member)) is member
    assert copy.copy(member) is member
    assert copy.deepcopy(member) is member


# --- damaged sidecar --------------------------------------------------------------------------


@pytest.mark.parametrize("sidecar", ["{}", "[]", "garbage \x00\xff", ""])
def test_lenient_load_survives_a_damaged_sidecar(tmp_path: Path, sidecar: str) -> None:
    data = tmp_path / "x.csi.jsonl"
    data.write_bytes(EXCERPT.read_bytes())
    (tmp_path / "x.csi.meta.json").write_text(sidecar, encoding="utf-8", errors="surrogateescape")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        recording = load_recording(data)
    assert recording.meta is None
    lines = sum(1 for line in EXCERPT.read_text().splitlines() if line.strip())
    assert len(recording) + recording.bad_lines == lines
    messages = [str(w.message) for w in caught if issubclass(w.category, RecordingWarning)]
    assert any("sidecar" in m and "ignored" in m for m in messages), messages
    with pytest.raises(ValidationError, match=r"sidecar|started_at"):
        load_recording(data, strict=True)


def test_inspect_survives_a_damaged_sidecar(tmp_path: Path) -> None:
    data = tmp_path / "x.csi.jsonl"
    data.write_bytes(EXCERPT.read_bytes())
    (tmp_path / "x.csi.meta.json").write_text("{}")
    child = subprocess.run(
        [sys.executable, "-m", "wifi_densepose.cli", "inspect", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    assert "Traceback" not in child.stderr


# --- bounded line reads -----------------------------------------------------------------------


def test_over_long_line_is_a_bad_line_read_in_constant_memory(tmp_path: Path) -> None:
    good = EXCERPT.read_text().splitlines()[0]
    data = tmp_path / "long.csi.jsonl"
    with data.open("w") as f:
        f.write(good + "\n")
        f.write('{"pad": "' + "a" * (3 << 20) + '"}\n')  # 3 MiB, over the 1 MiB line limit
        f.write(good + "\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        recording = load_recording(data)
    assert len(recording) == 2
    assert recording.bad_lines == 1
    assert any("line 2: line_too_long" in str(w.message) for w in caught)


def test_a_device_is_not_a_recording() -> None:
    with pytest.raises(Exception, match="not a regular file or a pipe"):
        load_recording("/dev/zero")


# --- property suite: every size argument, in a child interpreter --------------------------------

FUZZ = r"""
import numpy as np
from hypothesis import given, settings, strategies as st, HealthCheck
import wifi_densepose as wdp
from wifi_densepose import signal as s, utils as u, vitals as v

# Small sizes, absurd ones and the integer edges; not the huge-but-valid middle (2**24 is valid
# and allocates 128 MiB, which a property suite has no business doing thousands of times).
SIZES = st.one_of(
    st.integers(-3, 300),
    st.integers(2**25, 2**70),
    st.sampled_from([2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63)]),
)
ALLOWED = (ValueError, TypeError, OverflowError, MemoryError, wdp.WifiDenseposeError)
x = np.sin(np.arange(64.0))
z = np.ones((3, 8), complex)

CALLS = {
    "hamming_window": lambda n: s.hamming_window(n),
    "catmull_rom_resample": lambda n: s.catmull_rom_resample(x, n),
    "hampel": lambda n: s.hampel(x, half_window=n),
    "CsiProcessor.window_size": lambda n: s.CsiProcessor(s.CsiProcessorConfig(window_size=n)),
    "CsiProcessor.max_history_size": lambda n: s.CsiProcessor(
        s.CsiProcessorConfig(max_history_size=n)
    ),
    "FeatureExtractor.fft_size": lambda n: s.FeatureExtractor(s.FeatureExtractorConfig(fft_size=n)),
    "FeatureExtractorConfig.min_doppler_history": lambda n: s.FeatureExtractorConfig(
        min_doppler_history=n
    ),
    "MotionDetector.history": lambda n: s.MotionDetector(s.MotionDetectorConfig(history_size=n)),
    "VitalsPipeline.n_subcarriers": lambda n: v.VitalsPipeline(n_subcarriers=n),
    "CsiVitalPreprocessor": lambda n: v.CsiVitalPreprocessor(n),
    "BreathingExtractor": lambda n: v.BreathingExtractor(n),
    "HeartRateExtractor": lambda n: v.HeartRateExtractor(n),
    "BvpConfig.n_velocity_bins": lambda n: s.BvpConfig(n_velocity_bins=n),
    "BvpConfig.window_size": lambda n: s.BvpConfig(window_size=n),
    "BvpConfig.hop_size": lambda n: s.BvpConfig(hop_size=n),
    "SpectrogramConfig.window_size": lambda n: s.SpectrogramConfig(window_size=n),
    "SpectrogramConfig.hop_size": lambda n: s.SpectrogramConfig(hop_size=n),
    "HardwareNormalizer": lambda n: s.HardwareNormalizer(canonical_subcarriers=n),
    "HardwareType.detect_hardware": lambda n: s.HardwareType.detect_hardware(n),
    "VitalSignStore": lambda n: v.VitalSignStore(n),
    "moving_average": lambda n: u.moving_average(x, n),
    "CaptureVitals.warmup_frames": lambda n: v.CaptureVitals(warmup_frames=n),
    "CaptureVitals.block_bins": lambda n: v.CaptureVitals(block_bins=n),
}
cases = 0

def fuzz(call):
    @settings(
        max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(SIZES)
    def check(n):
        global cases
        cases += 1
        try:
            call(n)
        except ALLOWED:
            pass
    check()

for name, call in CALLS.items():
    fuzz(call)

print("cases", cases)
"""


def test_every_size_argument_survives_hypothesis_in_a_child() -> None:
    child = run_child(FUZZ, timeout=600)
    assert child.returncode == 0, f"child died with {child.returncode}: {child.stderr[-3000:]}"
    cases = int(child.stdout.split()[-1])
    assert cases >= 23 * 30, child.stdout


@pytest.mark.parametrize("command", ["inspect", "vitals"])
def test_cli_reads_a_sparse_file_in_constant_memory(tmp_path: Path, command: str) -> None:
    # 256 MiB of zeros without a newline: one over-long line, read past in 1 MiB of memory.
    sparse = tmp_path / "sparse.csi.jsonl"
    with sparse.open("wb") as f:
        f.truncate(256 << 20)
    child = run_child(
        f"""
        import runpy, sys
        sys.argv = ["wdp", "{command}", {str(sparse)!r}]
        try:
            runpy.run_module("wifi_densepose.cli", run_name="__main__")
        except SystemExit:
            pass
        # VmHWM is this process's own peak: ru_maxrss would also count the parent's memory
        # before exec (Linux keeps it across execve), i.e. the whole test session's.
        with open("/proc/self/status") as status:
            peak_kib = next(int(ln.split()[1]) for ln in status if ln.startswith("VmHWM:"))
        print(peak_kib // 1024)
        """
    )
    assert child.returncode == 0, child.stderr[-2000:]
    peak_mib = int(child.stdout.split()[-1])
    assert peak_mib < 150, f"peak RSS {peak_mib} MiB for a 256 MiB sparse file"
