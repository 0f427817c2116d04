"""What the binding macros generate keeps the Python surface: docstrings, signatures, pickling,
and the `wifi_densepose._core.<name>` submodules."""

from __future__ import annotations

import inspect
import pickle
import subprocess
import sys

from wifi_densepose import _core


def test_getter_docstrings_come_from_the_rust_doc_comments() -> None:
    # One property of each `getters!` entry form, and one of a getter inside another macro.
    assert _core.VitalEstimate.value_bpm.__doc__ == "Rate in BPM (0.0 when UNAVAILABLE)."
    assert _core.VitalReading.breathing.__doc__ == "Breathing rate estimate (breaths per minute)."
    assert (
        _core.HumanDetectionResult.metadata.__doc__
        == "{features_used, doppler_available, history_length}."
    )
    assert _core.RawCsiRecord.line.__doc__ == "1-based line number in the file."
    assert _core.BreathingExtractor.sample_rate_hz.__doc__ == "Sample rate in Hz."
    # A getter without a doc comment has no docstring.
    assert _core.VitalEstimate.status.__doc__ is None


def test_config_constructors_keep_their_defaults_in_the_signature() -> None:
    assert str(inspect.signature(_core.BvpConfig)) == (
        "(window_size=128, hop_size=32, carrier_frequency=5000000000.0, n_velocity_bins=64, "
        "max_velocity=2.0)"
    )
    assert str(inspect.signature(_core.FeatureExtractorConfig)) == (
        "(*, fft_size=128, sampling_rate=1000.0, min_doppler_history=10, enable_doppler=True)"
    )
    config = _core.FeatureExtractorConfig(fft_size=64)
    assert (config.fft_size, config.sampling_rate, config.enable_doppler) == (64, 1000.0, True)
    assert repr(config).startswith("FeatureExtractorConfig(FeatureExtractorConfig { fft_size: 64,")


def test_statistics_dicts_name_every_counter() -> None:
    assert _core.CsiProcessor().statistics == {
        "total_processed": 0,
        "processing_errors": 0,
        "human_detections": 0,
        "history_size": 0,
    }


def test_enum_members_pickle_to_themselves_and_convert_both_ways() -> None:
    for member in (_core.FrequencyBand.BAND_6GHZ, _core.HardwareType.INTEL_5300):
        assert pickle.loads(pickle.dumps(member)) is member
    # 30 subcarriers is the Intel 5300's native count (and back again).
    assert _core.HardwareType.detect_hardware(30) is _core.HardwareType.INTEL_5300
    assert _core.HardwareType.INTEL_5300.subcarrier_count == 30


def test_classes_and_functions_keep_the_module_name_of_the_flat_extension() -> None:
    assert _core.vitals.VitalsPipeline.__module__ == "wifi_densepose._core"
    assert _core.signal.hampel.__module__ == "wifi_densepose._core"
    estimate = _core.VitalEstimate(12.0, 0.5, 0)
    assert pickle.loads(pickle.dumps(estimate)) == estimate


def test_a_submodule_imports_by_its_dotted_name_in_a_fresh_interpreter() -> None:
    code = (
        "from wifi_densepose._core.witness import WITNESS_SCHEMA\n"
        "import wifi_densepose._core.io as io\n"
        "print(type(WITNESS_SCHEMA).__name__, io.__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.split() == ["str", "wifi_densepose._core.io"]
