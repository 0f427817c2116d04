"""Breathing and heart rate from CSI: the four vitals stages and `VitalsPipeline`.

Four lines from a `[time, subcarrier]` buffer sampled at 100 Hz::

    from wifi_densepose.vitals import VitalsPipeline
    result = VitalsPipeline.esp32_default().process(amplitudes, phases, sample_rate_hz=100.0)
    print(result.breathing_bpm[-1], result.heart_bpm[-1])

Rates are in breaths or beats per minute (BPM), frequencies in Hz, phases in radians.
"""

from wifi_densepose._core import (
    AnomalyAlert,
    BreathingExtractor,
    CsiVitalPreprocessor,
    HeartRateExtractor,
    VitalAnomalyDetector,
    VitalEstimate,
    VitalReading,
    VitalSignStore,
    VitalsPipeline,
    VitalsResult,
    VitalStats,
)
from wifi_densepose._vital_status import VitalStatus

__all__ = [
    "AnomalyAlert",
    "BreathingExtractor",
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
]
