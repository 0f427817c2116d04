"""`VitalStatus`: how far a vital-sign estimate can be trusted, as an IntEnum."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["VitalStatus"]


class VitalStatus(IntEnum):
    """Trust level of an estimate; the value is the code used in result arrays (int8)."""

    VALID = 0
    DEGRADED = 1
    UNRELIABLE = 2
    UNAVAILABLE = 3
