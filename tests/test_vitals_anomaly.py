"""`VitalAnomalyDetector` on the docs/dsp.md §6.3 scenarios (readings at confidence 0.8, VALID)."""

from __future__ import annotations

import pytest

from wifi_densepose import ConfigError
from wifi_densepose.vitals import (
    AnomalyAlert,
    VitalAnomalyDetector,
    VitalEstimate,
    VitalReading,
    VitalStatus,
)


def estimate(value: float) -> VitalEstimate:
    return VitalEstimate(value, 0.8, VitalStatus.VALID)


def reading(rr: float, hr: float) -> VitalReading:
    return VitalReading(estimate(rr), estimate(hr), 56, 0.8, 0.0)


def warmed(
    z_threshold: float, count: int, rr: float = 15.0, hr: float = 72.0
) -> VitalAnomalyDetector:
    detector = VitalAnomalyDetector(60, z_threshold)
    for _ in range(count):
        assert detector.check(reading(rr, hr)) == []
    return detector


def kinds(alerts: list[AnomalyAlert]) -> list[str]:
    return [a.alert_type for a in alerts]


def test_steady_readings_raise_nothing() -> None:
    warmed(2.0, 20)


def test_tachycardia_and_sudden_change() -> None:
    alerts = warmed(2.5, 10).check(reading(15.0, 130.0))
    assert kinds(alerts) == ["tachycardia", "sudden_change"]
    assert alerts[0].vital_type == "cardiac" and alerts[0].severity == pytest.approx(0.375)
    assert alerts[0].message == "Elevated heart rate: HR = 130.0 BPM"
    assert alerts[1].message == "Sudden heart rate change: z-score = 3.02 (HR = 130.0 BPM)"
    assert alerts[1].severity == pytest.approx(10 / 11**0.5 / 5.0)


@pytest.mark.parametrize(
    ("rr", "hr", "clinical", "vital"),
    [
        (15.0, 40.0, "bradycardia", "cardiac"),
        (2.0, 72.0, "apnea", "respiratory"),
        (35.0, 72.0, "tachypnea", "respiratory"),
    ],
)
def test_clinical_rules(rr: float, hr: float, clinical: str, vital: str) -> None:
    alerts = warmed(2.5, 10).check(reading(rr, hr))
    # A lone outlier after ten equal readings always scores |z| = 10/sqrt(11) ≈ 3.02 > 2.5.
    assert kinds(alerts) == [clinical, "sudden_change"]
    assert alerts[0].vital_type == vital and alerts[1].vital_type == vital


def test_sudden_change_message() -> None:
    alerts = warmed(2.0, 30).check(reading(15.0, 95.0))
    assert [(a.alert_type, a.message) for a in alerts] == [
        ("sudden_change", "Sudden heart rate change: z-score = 5.39 (HR = 95.0 BPM)")
    ]


def test_warm_up_reset_means_and_severities() -> None:
    detector = VitalAnomalyDetector.default_config()
    for _ in range(4):
        assert detector.check(reading(2.0, 200.0)) == []
    assert kinds(detector.check(reading(2.0, 200.0))) == ["apnea", "tachycardia"]
    detector.reset()
    assert detector.reading_count == 0
    steady = warmed(2.5, 10, 16.0, 75.0)
    assert steady.rr_mean == pytest.approx(16.0, abs=0.5)
    assert steady.hr_mean == pytest.approx(75.0, abs=0.5)
    assert all(0.0 <= a.severity <= 1.0 for a in steady.check(reading(16.0, 200.0)))
    with pytest.raises(ConfigError):
        VitalAnomalyDetector(0)


@pytest.mark.parametrize(("skip", "expected"), [(True, []), (False, ["sudden_change"])])
def test_unavailable_estimates_and_skip_unavailable(skip: bool, expected: list[str]) -> None:
    detector = VitalAnomalyDetector(skip_unavailable=skip)
    missing_rr = VitalReading(VitalEstimate.unavailable(), estimate(72.0), 56, 0.4, 0.0)
    for _ in range(10):
        detector.check(missing_rr)
    alerts = detector.check(reading(15.0, 72.0))
    assert kinds(alerts) == expected
    if not skip:
        assert alerts[0].vital_type == "respiratory"
        assert "z-score = 3.02" in alerts[0].message


def test_alert_values() -> None:
    alert = AnomalyAlert("cardiac", "tachycardia", 0.5, "x")
    assert alert == AnomalyAlert("cardiac", "tachycardia", 0.5, "x")
    assert hash(alert) == hash(AnomalyAlert("cardiac", "tachycardia", 0.5, "x"))
    with pytest.raises(ValueError, match="vital_type"):
        AnomalyAlert("renal", "tachycardia", 0.5, "x")
