"""Breathing and heart rate from CSI: the four vitals stages and `VitalsPipeline`.

Four lines from a `[time, subcarrier]` buffer sampled at 100 Hz::

    from wifi_densepose.vitals import VitalsPipeline
    result = VitalsPipeline.esp32_default().process(amplitudes, phases, sample_rate_hz=100.0)
    print(result.breathing_bpm[-1], result.heart_bpm[-1])

Real sensor streams are not evenly spaced: pass capture times and the frames are resampled
onto the pipeline's grid first (``process(amplitudes, phases, timestamps=t)``). For a whole
ESP32 recording, ``CaptureVitals().process_recording(recording, node_id)`` also works out the
layout block, the null subcarriers and the rate.

Rates are in breaths or beats per minute (BPM), frequencies in Hz, phases in radians.

``CAPTURE_MEMORY_S`` (seconds, 141.5): a default ``CaptureVitals`` reading at time t depends only
on the frames in [t - CAPTURE_MEMORY_S, t], and readings sit on whole seconds of the timestamp
axis, so a stream started that long before t gives exactly the whole stream's reading
(docs/dsp.md, "Finite memory").
"""

from wifi_densepose._core.vitals import (
    CAPTURE_MEMORY_S,
    AnomalyAlert,
    BreathingExtractor,
    CaptureVitals,
    CsiVitalPreprocessor,
    HeartRateExtractor,
    VitalAnomalyDetector,
    VitalEstimate,
    VitalReading,
    VitalSignStore,
    VitalsPipeline,
    VitalsResult,
    VitalStats,
    resample_uniform,
)
from wifi_densepose._vital_status import VitalStatus

__all__ = [
    "CAPTURE_MEMORY_S",
    "AnomalyAlert",
    "BreathingExtractor",
    "CaptureVitals",
    "CsiVitalPreprocessor",
    "HeartRateExtractor",
    "VitalAnomalyDetector",
    "VitalEstimate",
    "VitalReading",
    "VitalSignStore",
    "VitalStats",
    "VitalStatus",
    "VitalsPipeline",
    "VitalsResult",
    "resample_uniform",
]
