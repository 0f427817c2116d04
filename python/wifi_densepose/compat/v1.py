"""The public names of wifi-densepose 1.x, each mapped to what replaces it in 2.x.

``from wifi_densepose.compat.v1 import CSIProcessor`` raises :class:`MigrationError` naming
``wifi_densepose.signal.CsiProcessor``. Nothing here runs 1.x code: the module exists so that an
old import fails with directions instead of a bare ``ModuleNotFoundError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from wifi_densepose.compat import MIGRATION_GUIDE_URL, MigrationError

__all__ = ["V1_NAMES", "Replacement", "migration_message"]


@dataclass(frozen=True)
class Replacement:
    """Where a 1.x name lived and what takes its place in 2.x."""

    v1_module: str
    """The 1.x module that defined the name (the 1.x package was importable as ``src``)."""
    v2_names: tuple[str, ...]
    """Dotted 2.x names that replace it; empty when 2.x has no counterpart."""
    advice: str
    """One sentence on how to port code that used it."""


_SERVER = 'the sensing server: `pip install "wifi-densepose[server]"`, then `wifi-densepose serve`'
_NO_DATABASE = (
    "2.x keeps no database: record CSI to `.csi.jsonl` files and read them with "
    "wifi_densepose.io.read_recording"
)

V1_NAMES: MappingProxyType[str, Replacement] = MappingProxyType(
    {
        # Application and configuration (src/__init__.py, src/app.py, src/config, src/logger).
        "app": Replacement("src.app", (), f"The FastAPI app is gone; run {_SERVER}."),
        "WifiDensePose": Replacement("src", (), f"Alias of the 1.x app; run {_SERVER}."),
        "get_settings": Replacement(
            "src.config.settings",
            ("wifi_densepose.signal.CsiProcessorConfig",),
            "Library objects take their settings as constructor arguments; the server takes "
            "command-line flags (`wifi-densepose serve --help`).",
        ),
        "get_config": Replacement(
            "src",
            ("wifi_densepose.signal.CsiProcessorConfig",),
            "Alias of get_settings: pass settings to constructors or server flags instead.",
        ),
        "Settings": Replacement(
            "src.config.settings",
            ("wifi_densepose.signal.CsiProcessorConfig",),
            "Library objects take their settings as constructor arguments; the server takes "
            "command-line flags (`wifi-densepose serve --help`).",
        ),
        "setup_logging": Replacement(
            "src.logger", (), "Configure Python's standard `logging` module directly."
        ),
        "get_logger": Replacement("src.logger", (), "Use `logging.getLogger(name)`."),
        "get_version": Replacement(
            "src", ("wifi_densepose.__version__",), "Read the version attribute."
        ),
        "get_version_info": Replacement(
            "src",
            ("wifi_densepose.__version__",),
            "Parse the version string, e.g. with packaging.version.Version.",
        ),
        "get_package_info": Replacement(
            "src",
            ("wifi_densepose.__version__", "wifi_densepose.__core_version__"),
            "Or run `wifi-densepose version`.",
        ),
        "check_dependencies": Replacement(
            "src", (), "The wheel is self-contained: numpy is the only runtime dependency."
        ),
        "print_system_info": Replacement("src", (), "Run `wifi-densepose version`."),
        # Signal processing (src/core).
        "CSIProcessor": Replacement(
            "src.core.csi_processor",
            ("wifi_densepose.signal.CsiProcessor", "wifi_densepose.signal.CsiProcessorConfig"),
            "The config dict becomes a CsiProcessorConfig with the same field names; the "
            "pipeline is synchronous (no `await`).",
        ),
        "CSIFeatures": Replacement(
            "src.core.csi_processor",
            ("wifi_densepose.signal.FeatureExtractor",),
            "Features are computed by FeatureExtractor and returned as numpy arrays.",
        ),
        "HumanDetectionResult": Replacement(
            "src.core.csi_processor",
            ("wifi_densepose.signal.MotionDetector",),
            "MotionDetector returns the motion score, confidence and presence decision.",
        ),
        "CSIProcessingError": Replacement(
            "src.core.csi_processor",
            ("wifi_densepose.WifiDenseposeError",),
            "Every 2.x error derives from WifiDenseposeError; bad input raises a ValueError "
            "subclass.",
        ),
        "PhaseSanitizer": Replacement(
            "src.core.phase_sanitizer",
            ("wifi_densepose.signal.PhaseSanitizer",),
            "Same stages (unwrap, outlier removal, smoothing), computed by the Rust core.",
        ),
        "PoseEstimator": Replacement(
            "src.core.pose_estimator",
            ("wifi_densepose.PoseEstimate", "wifi_densepose.PersonPose"),
            "2.x ships no DensePose network; the pose value types remain for your own model's "
            "output.",
        ),
        "RouterInterface": Replacement(
            "src.core.router_interface",
            ("wifi_densepose.io.parse_packet", "wifi_densepose.client.ws.SensingClient"),
            f"Parse ESP32 packets with parse_packet, or ingest live with {_SERVER}, and read its "
            "stream with SensingClient.",
        ),
        # Hardware (src/hardware).
        "CSIData": Replacement(
            "src.hardware.csi_extractor",
            ("wifi_densepose.signal.CsiData", "wifi_densepose.CsiFrame"),
            "CsiData holds one multi-antenna frame; CsiFrame one single-stream sample.",
        ),
        "CSIExtractor": Replacement(
            "src.hardware.csi_extractor",
            ("wifi_densepose.io.read_recording", "wifi_densepose.io.parse_packet"),
            f"Read recordings or parse packets; for live capture run {_SERVER}.",
        ),
        "ESP32CSIParser": Replacement(
            "src.hardware.csi_extractor",
            ("wifi_densepose.io.parse_packet",),
            "parse_packet decodes the ESP32 binary packet formats.",
        ),
        "RouterCSIParser": Replacement(
            "src.hardware.csi_extractor",
            (),
            "Atheros, Intel 5300 and Nexmon formats are not supported in 2.x; convert captures "
            "to `.csi.jsonl` recordings.",
        ),
        "CSIParseError": Replacement(
            "src.hardware.csi_extractor",
            ("wifi_densepose.io.PacketError",),
            "Malformed packets raise PacketError (a ValueError) with the byte offset and reason.",
        ),
        "CSIValidationError": Replacement(
            "src.hardware.csi_extractor",
            ("wifi_densepose.ValidationError",),
            "Invalid values raise ValidationError (a ValueError) naming the field and value.",
        ),
        # Vital signs (src/core/vital_signs.py).
        "VitalSignsDetector": Replacement(
            "src.core.vital_signs",
            ("wifi_densepose.vitals.VitalsPipeline",),
            "VitalsPipeline runs preprocessing, breathing, heart rate and anomaly detection.",
        ),
        "BreathingDetector": Replacement(
            "src.core.vital_signs",
            ("wifi_densepose.vitals.BreathingExtractor",),
            "Rates are in BPM with a confidence and a status.",
        ),
        "HeartbeatDetector": Replacement(
            "src.core.vital_signs",
            ("wifi_densepose.vitals.HeartRateExtractor",),
            "Rates are in BPM with a confidence and a status.",
        ),
        "BreathingPattern": Replacement(
            "src.core.vital_signs",
            ("wifi_densepose.vitals.VitalEstimate",),
            "Read VitalReading.respiratory_rate (value_bpm, confidence, status).",
        ),
        "HeartbeatSignature": Replacement(
            "src.core.vital_signs",
            ("wifi_densepose.vitals.VitalEstimate",),
            "Read VitalReading.heart_rate (value_bpm, confidence, status).",
        ),
        "VitalSignsReading": Replacement(
            "src.core.vital_signs",
            ("wifi_densepose.vitals.VitalReading",),
            "One reading holds both rates, the signal quality and the timestamp in seconds.",
        ),
        "BreathingType": Replacement(
            "src.core.vital_signs",
            ("wifi_densepose.vitals.VitalStatus",),
            "2.x does not classify breathing patterns; each estimate carries a VitalStatus.",
        ),
        "SignalStrength": Replacement(
            "src.core.vital_signs",
            ("wifi_densepose.vitals.VitalReading",),
            "Use VitalReading.signal_quality, a number in [0, 1].",
        ),
        # Services (src/services).
        "ServiceOrchestrator": Replacement("src.services.orchestrator", (), f"Run {_SERVER}."),
        "HealthCheckService": Replacement(
            "src.services.health_check", (), f"Run {_SERVER}; it answers REST /api/v1/ requests."
        ),
        "MetricsService": Replacement(
            "src.services.metrics", (), f"Run {_SERVER}; it answers REST /api/v1/ requests."
        ),
        "PoseService": Replacement(
            "src.services.pose_service",
            ("wifi_densepose.client.ws.SensingClient",),
            f"Run {_SERVER} and read its WebSocket stream with SensingClient.",
        ),
        # Database (src/database).
        "get_database_manager": Replacement("src.database.connection", (), f"{_NO_DATABASE}."),
        "Device": Replacement("src.database.models", (), f"{_NO_DATABASE}."),
        "Session": Replacement("src.database.models", (), f"{_NO_DATABASE}."),
        "PoseDetection": Replacement("src.database.models", (), f"{_NO_DATABASE}."),
        "SystemMetric": Replacement("src.database.models", (), f"{_NO_DATABASE}."),
        "AuditLog": Replacement("src.database.models", (), f"{_NO_DATABASE}."),
    }
)


def migration_message(v1_name: str, replacement: Replacement) -> str:
    """The text of the MigrationError raised for ``v1_name``."""
    if replacement.v2_names:
        use = "use " + " / ".join(replacement.v2_names) + "."
    else:
        use = "it has no direct replacement."
    return (
        f"{v1_name} (wifi-densepose 1.x, {replacement.v1_module}) was removed in wifi-densepose "
        f"2.0: {use} {replacement.advice} Migration guide: {MIGRATION_GUIDE_URL}"
    )


def __getattr__(name: str) -> object:
    replacement = V1_NAMES.get(name)
    if replacement is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise MigrationError(
        migration_message(name, replacement), v1_name=name, replacements=replacement.v2_names
    )


def __dir__() -> list[str]:
    return sorted([*__all__, *V1_NAMES])
