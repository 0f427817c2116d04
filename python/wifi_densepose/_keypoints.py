"""`KeypointType`: the 17 COCO keypoints as an IntEnum (COCO order)."""

from __future__ import annotations

from enum import IntEnum

from wifi_densepose.errors import ValidationError

__all__ = ["KeypointType"]


class KeypointType(IntEnum):
    """One of the 17 COCO body keypoints; the value is its COCO index (0-16)."""

    NOSE = 0
    LEFT_EYE = 1
    RIGHT_EYE = 2
    LEFT_EAR = 3
    RIGHT_EAR = 4
    LEFT_SHOULDER = 5
    RIGHT_SHOULDER = 6
    LEFT_ELBOW = 7
    RIGHT_ELBOW = 8
    LEFT_WRIST = 9
    RIGHT_WRIST = 10
    LEFT_HIP = 11
    RIGHT_HIP = 12
    LEFT_KNEE = 13
    RIGHT_KNEE = 14
    LEFT_ANKLE = 15
    RIGHT_ANKLE = 16

    @classmethod
    def _missing_(cls, value: object) -> KeypointType:
        raise ValidationError(f"keypoint_type: Invalid keypoint type: {value}", "Validation")

    @classmethod
    def from_index(cls, index: int) -> KeypointType:
        """The keypoint with COCO index ``index``; raises ValidationError outside 0..=16."""
        return cls(index)

    @classmethod
    def all(cls) -> list[KeypointType]:
        """All 17 keypoints in COCO order."""
        return list(cls)

    @property
    def label(self) -> str:
        """The lowercase name, e.g. ``"left_shoulder"`` (also the JSON form)."""
        return self.name.lower()

    def is_face(self) -> bool:
        """Nose, eyes and ears (indices 0-4)."""
        return self.value <= 4

    def is_upper_body(self) -> bool:
        """Shoulders, elbows and wrists (indices 5-10)."""
        return 5 <= self.value <= 10

    def is_lower_body(self) -> bool:
        """Hips, knees and ankles (indices 11-16)."""
        return self.value >= 11
