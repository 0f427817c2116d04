"""Array utilities: phase unwrapping, normalisation, SNR and complex parts (numpy in and out)."""

from wifi_densepose._core.utils import (
    calculate_snr_db,
    complex_magnitude,
    complex_phase,
    moving_average,
    normalize_min_max,
    normalize_zscore,
    unwrap_phase,
)

__all__ = [
    "calculate_snr_db",
    "complex_magnitude",
    "complex_phase",
    "moving_average",
    "normalize_min_max",
    "normalize_zscore",
    "unwrap_phase",
]
