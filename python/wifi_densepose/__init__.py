"""wifi-densepose: WiFi channel state information (CSI) to motion, presence, breathing rate,
heart rate, alerts and pose types, computed by a compiled Rust core.

The core types live here; DSP is in :mod:`wifi_densepose.signal`, vital signs in
:mod:`wifi_densepose.vitals`, ESP32 packets and recordings in :mod:`wifi_densepose.io`.
"""

from wifi_densepose import _tables
from wifi_densepose._core import __core_version__, __version__
from wifi_densepose._core.frame import (
    AntennaConfig,
    CsiFrame,
    CsiMetadata,
    FrequencyBand,
    Timestamp,
    iq_to_polar,
)
from wifi_densepose._core.pose import (
    DEFAULT_CONFIDENCE_THRESHOLD,
    MAX_KEYPOINTS,
    MAX_SUBCARRIERS,
    BoundingBox,
    Confidence,
    Keypoint,
    PersonPose,
    PoseEstimate,
)
from wifi_densepose._keypoints import KeypointType
from wifi_densepose.errors import (
    ComputationError,
    ConfigError,
    InsufficientDataError,
    InternalError,
    InvalidStateError,
    LowSignalQualityError,
    NonFiniteError,
    NotFoundError,
    OperationTimeoutError,
    ShapeError,
    ValidationError,
    WifiDenseposeError,
)

_tables.install()  # to_dict / to_pandas / _repr_html_ of Recording, VitalsResult, VitalReading

__all__ = [
    "DEFAULT_CONFIDENCE_THRESHOLD",
    "MAX_KEYPOINTS",
    "MAX_SUBCARRIERS",
    "AntennaConfig",
    "BoundingBox",
    "ComputationError",
    "Confidence",
    "ConfigError",
    "CsiFrame",
    "CsiMetadata",
    "FrequencyBand",
    "InsufficientDataError",
    "InternalError",
    "InvalidStateError",
    "Keypoint",
    "KeypointType",
    "LowSignalQualityError",
    "NonFiniteError",
    "NotFoundError",
    "OperationTimeoutError",
    "PersonPose",
    "PoseEstimate",
    "ShapeError",
    "Timestamp",
    "ValidationError",
    "WifiDenseposeError",
    "__core_version__",
    "__version__",
    "iq_to_polar",
]
