"""Property tests: every type survives dict, JSON and pickle round trips unchanged."""

from __future__ import annotations

import pickle
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from wifi_densepose import (
    AntennaConfig,
    BoundingBox,
    Confidence,
    CsiFrame,
    CsiMetadata,
    FrequencyBand,
    Keypoint,
    KeypointType,
    PersonPose,
    PoseEstimate,
    Timestamp,
)

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
unit = st.floats(min_value=0.0, max_value=1.0)
timestamps = st.builds(Timestamp, st.integers(-(2**40), 2**40), st.integers(0, 999_999_999))
antennas = st.builds(
    AntennaConfig,
    st.integers(1, 255),
    st.integers(1, 255),
    st.none() | st.floats(min_value=1e-3, max_value=1e3),
)
metadata = st.builds(
    CsiMetadata,
    st.text(min_size=1, max_size=12),
    st.sampled_from([FrequencyBand.BAND_2_4GHZ, FrequencyBand.BAND_5GHZ, FrequencyBand.BAND_6GHZ]),
    st.integers(0, 255),
    bandwidth_mhz=st.integers(1, 65535),
    antenna_config=antennas,
    rssi_dbm=st.integers(-128, 127),
    noise_floor_dbm=st.integers(-128, 127),
    sequence_number=st.integers(0, 2**32 - 1),
    timestamp=timestamps,
)


@st.composite
def frames(draw: st.DrawFn) -> CsiFrame:
    n = draw(st.integers(1, 64))
    values = st.lists(finite, min_size=n, max_size=n)
    return CsiFrame(
        draw(values),
        draw(values),
        n,
        draw(st.integers(0, 2**64 - 1)),
        draw(st.floats(min_value=1e-6, max_value=1e6)),
        draw(st.none() | metadata),
    )


keypoints = st.builds(
    Keypoint, st.sampled_from(list(KeypointType)), finite, finite, unit, st.none() | finite
)
boxes = st.tuples(finite, finite, finite, finite).map(
    lambda t: BoundingBox(min(t[0], t[2]), min(t[1], t[3]), max(t[0], t[2]), max(t[1], t[3]))
)


@st.composite
def persons(draw: st.DrawFn) -> PersonPose:
    p = PersonPose(draw(st.none() | st.integers(0, 2**63)), draw(unit), draw(st.none() | boxes))
    for k in draw(st.lists(keypoints, max_size=17)):
        p.set_keypoint(k)
    return p


estimates = st.builds(
    PoseEstimate,
    st.lists(persons(), max_size=3),
    unit,
    st.floats(min_value=0, max_value=1e6),
    st.text(max_size=8),
    st.lists(st.text(max_size=8), max_size=3),
    st.none() | st.uuids().map(str),
    st.none() | timestamps,
)

values = st.one_of(
    frames(),
    metadata,
    antennas,
    timestamps,
    unit.map(Confidence),
    keypoints,
    boxes,
    persons(),
    estimates,
)


@given(values)
def test_dict_json_and_pickle_round_trips(value: Any) -> None:
    cls = type(value)
    assert cls.from_dict(value.to_dict()) == value
    assert cls.from_json(value.to_json()) == value
    assert pickle.loads(pickle.dumps(value)) == value


@given(st.one_of(frames(), metadata, timestamps, keypoints, boxes, estimates))
def test_equal_values_hash_alike(value: Any) -> None:
    assert hash(type(value).from_json(value.to_json())) == hash(value)
