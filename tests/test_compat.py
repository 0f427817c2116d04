"""wifi_densepose.compat.v1: each 1.x name fails to import, naming its 2.x replacement."""

from __future__ import annotations

import importlib
import pickle
import re
from pathlib import Path

import pytest

from wifi_densepose.compat import MIGRATION_GUIDE_URL, MigrationError
from wifi_densepose.compat.v1 import V1_NAMES

REPO = Path(__file__).resolve().parent.parent

# The 1.x public API: `__all__` of the 1.x `src` and `src.core` packages, plus the parsers and data
# types of `src.hardware.csi_extractor` and the pose service.
V1_PUBLIC_API = {
    "app", "WifiDensePose", "get_settings", "get_config", "Settings", "setup_logging",
    "get_logger", "get_version", "get_version_info", "get_package_info", "check_dependencies",
    "print_system_info", "CSIProcessor", "CSIFeatures", "HumanDetectionResult",
    "CSIProcessingError", "PhaseSanitizer", "PoseEstimator", "RouterInterface", "CSIData",
    "CSIExtractor", "ESP32CSIParser", "RouterCSIParser", "CSIParseError", "CSIValidationError",
    "VitalSignsDetector", "BreathingDetector", "HeartbeatDetector", "BreathingPattern",
    "HeartbeatSignature", "VitalSignsReading", "BreathingType", "SignalStrength",
    "ServiceOrchestrator", "HealthCheckService", "MetricsService", "PoseService",
    "get_database_manager", "Device", "Session", "PoseDetection", "SystemMetric", "AuditLog",
}  # fmt: skip

# The 2.x public surface as the architecture and DSP/wire specs name it.
V2_PUBLIC_SURFACE = {
    "wifi_densepose": {
        "CsiFrame", "CsiMetadata", "Keypoint", "KeypointType", "PersonPose", "PoseEstimate",
        "Confidence", "BoundingBox", "WifiDenseposeError", "ValidationError", "__version__",
        "__core_version__",
    },
    "wifi_densepose.signal": {
        "CsiData", "CsiProcessor", "CsiProcessorConfig", "PhaseSanitizer", "MotionDetector",
        "FeatureExtractor", "HardwareNormalizer", "hampel",
    },
    "wifi_densepose.vitals": {
        "CsiVitalPreprocessor", "BreathingExtractor", "HeartRateExtractor",
        "VitalAnomalyDetector", "VitalSignStore", "VitalsPipeline", "VitalReading",
        "VitalEstimate", "VitalStatus",
    },
    "wifi_densepose.io": {"read_recording", "load_recording", "parse_packet", "PacketError"},
    "wifi_densepose.client.ws": {"SensingClient"},
}  # fmt: skip


def test_the_table_covers_exactly_the_v1_public_api() -> None:
    assert set(V1_NAMES) == V1_PUBLIC_API


def test_migration_error_is_an_import_error() -> None:
    assert issubclass(MigrationError, ImportError)


@pytest.mark.parametrize("name", sorted(V1_PUBLIC_API))
def test_from_import_of_a_v1_name_raises_migration_error_naming_the_replacement(
    name: str,
) -> None:
    with pytest.raises(MigrationError) as caught:
        exec(f"from wifi_densepose.compat.v1 import {name}", {})
    error = caught.value
    message = str(error)
    assert message.startswith(f"{name} (wifi-densepose 1.x, ")
    assert "removed in wifi-densepose 2.0" in message
    assert MIGRATION_GUIDE_URL in message
    assert error.v1_name == name
    assert error.replacements == V1_NAMES[name].v2_names
    for replacement in error.replacements:
        assert replacement in message
    if not error.replacements:
        assert "no direct replacement" in message


def test_the_v1_processor_names_point_at_their_v2_classes() -> None:
    expected = {
        "CSIProcessor": "wifi_densepose.signal.CsiProcessor",
        "PhaseSanitizer": "wifi_densepose.signal.PhaseSanitizer",
        "PoseEstimator": "wifi_densepose.PoseEstimate",
        "RouterInterface": "wifi_densepose.io.parse_packet",
        "VitalSignsDetector": "wifi_densepose.vitals.VitalsPipeline",
        "BreathingDetector": "wifi_densepose.vitals.BreathingExtractor",
        "HeartbeatDetector": "wifi_densepose.vitals.HeartRateExtractor",
    }
    for v1_name, v2_name in expected.items():
        assert v2_name in V1_NAMES[v1_name].v2_names, v1_name


def test_every_replacement_is_a_name_of_the_v2_public_surface() -> None:
    for v1_name, replacement in V1_NAMES.items():
        for dotted in replacement.v2_names:
            module, _, attribute = dotted.rpartition(".")
            assert attribute in V2_PUBLIC_SURFACE.get(module, set()), (v1_name, dotted)


def test_attribute_access_and_import_module_raise_the_same_error() -> None:
    v1 = importlib.import_module("wifi_densepose.compat.v1")
    with pytest.raises(MigrationError, match=r"wifi_densepose\.signal\.PhaseSanitizer"):
        _ = v1.PhaseSanitizer


def test_star_import_is_safe_and_lists_no_v1_name() -> None:
    namespace: dict[str, object] = {}
    exec("from wifi_densepose.compat.v1 import *", namespace)
    assert not V1_PUBLIC_API & set(namespace)


def test_an_unknown_name_is_an_ordinary_import_error() -> None:
    with pytest.raises(ImportError) as caught:
        exec("from wifi_densepose.compat.v1 import NoSuchThing", {})
    assert not isinstance(caught.value, MigrationError)
    assert "NoSuchThing" in str(caught.value)


def test_dir_lists_the_v1_names() -> None:
    assert set(dir(importlib.import_module("wifi_densepose.compat.v1"))) >= V1_PUBLIC_API


def test_migration_error_survives_pickling() -> None:
    with pytest.raises(MigrationError) as caught:
        exec("from wifi_densepose.compat.v1 import CSIProcessor", {})
    restored = pickle.loads(pickle.dumps(caught.value))
    assert type(restored) is MigrationError
    assert str(restored) == str(caught.value)
    assert restored.v1_name == "CSIProcessor"
    assert restored.replacements == caught.value.replacements


def test_the_migration_guide_maps_every_v1_name_to_its_replacements() -> None:
    guide = (REPO / "docs" / "migration.md").read_text(encoding="utf-8")
    rows = {
        match.group(1): match.group(0)
        for match in re.finditer(r"^\| `(\w+)` \| `src[\w.]*` \|.*$", guide, re.MULTILINE)
    }
    assert set(rows) == V1_PUBLIC_API
    for v1_name, row in rows.items():
        for replacement in V1_NAMES[v1_name].v2_names:
            assert f"`{replacement}`" in row, (v1_name, replacement)
