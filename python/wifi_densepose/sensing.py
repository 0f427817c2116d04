"""Multi-node sensing: empty-room calibration, presence and honest person counts, radio
tomographic imaging, tracking, gestures and node fusion.

Calibrate on amplitudes recorded with nobody in the room, then count a window of
time-aligned frames of every link::

    from wifi_densepose.sensing import FieldModel
    model = FieldModel.fit([amplitudes_link0, amplitudes_link1])   # each [frames, subcarriers]
    occ = model.occupancy(window)                                  # [frames, links, subcarriers]
    print(occ.presence, occ.person_count if occ.person_count_valid else "cannot count")

Positions are in metres, velocities in m/s, times in seconds, amplitudes in the input's
units. A person count is only reported when it can be trusted (`person_count_valid`);
people walking produce several independent components per link and are reported as
present but not counted.
"""

from wifi_densepose._core.sensing import (
    ComponentCount,
    FieldModel,
    FusedFrame,
    GestureClassifier,
    GestureMatch,
    Occupancy,
    RoomSimulation,
    Tomographer,
    Track,
    Tracker,
    count_components,
    dtw,
    fuse_nodes,
    geometric_diversity,
    nearest_frames,
)

__all__ = [
    "ComponentCount",
    "FieldModel",
    "FusedFrame",
    "GestureClassifier",
    "GestureMatch",
    "Occupancy",
    "RoomSimulation",
    "Tomographer",
    "Track",
    "Tracker",
    "count_components",
    "dtw",
    "fuse_nodes",
    "geometric_diversity",
    "nearest_frames",
]
