"""Core types: construction, validation, behaviour (docs/dsp.md §2 and 6.1)."""

from __future__ import annotations

import math
import pickle
from datetime import datetime, timezone

import numpy as np
import pytest

import wifi_densepose as wd
from wifi_densepose import (
    AntennaConfig,
    BoundingBox,
    Confidence,
    CsiFrame,
    CsiMetadata,
    FrequencyBand,
    Keypoint,
    KeypointType,
    NonFiniteError,
    PersonPose,
    PoseEstimate,
    ShapeError,
    Timestamp,
    ValidationError,
)


def test_versions() -> None:
    assert wd.__version__ == "2.0.0"
    assert wd.__core_version__ == "2.0.0"
    assert wd.MAX_KEYPOINTS == 17
    assert wd.MAX_SUBCARRIERS == 256
    assert wd.DEFAULT_CONFIDENCE_THRESHOLD == 0.5


class TestConfidence:
    @pytest.mark.parametrize("value", [0.5, 0.0, 1.0])
    def test_accepts_the_closed_unit_interval(self, value: float) -> None:
        assert Confidence(value).value == value
        assert float(Confidence(value)) == value

    @pytest.mark.parametrize("value", [-0.1, 1.1, math.nan, math.inf, -math.inf])
    def test_rejects_outside(self, value: float) -> None:
        with pytest.raises(ValidationError, match="confidence"):
            Confidence(value)

    def test_levels_and_order(self) -> None:
        assert Confidence(0.8).is_high()
        assert not Confidence(0.3).is_high()
        assert Confidence(0.3).exceeds(0.3) and not Confidence(0.3).exceeds(0.31)
        assert Confidence(0.2) < Confidence(0.4) <= Confidence(0.4)
        assert Confidence.MIN.value == 0.0 and Confidence.MAX.value == 1.0
        assert Confidence().value == 0.0

    @pytest.mark.parametrize("bad", [-1, -1e-9, 1 + 1e-9, 2, math.nan, math.inf, -math.inf])
    def test_deserialisation_validates_also_when_nested(self, bad: float) -> None:
        with pytest.raises(ValidationError):
            Confidence.from_dict(bad)
        if math.isfinite(bad):
            with pytest.raises(ValidationError):
                Confidence.from_json(repr(bad))
        good = Keypoint(KeypointType.NOSE, 1.0, 2.0, 0.5).to_dict()
        with pytest.raises(ValidationError):
            Keypoint.from_dict({**good, "confidence": bad})


class TestKeypoint:
    def test_distance_2d_and_3d(self) -> None:
        a = Keypoint(KeypointType.NOSE, 0.0, 0.0, 0.9)
        b = Keypoint(KeypointType.NOSE, 3.0, 4.0, 0.9)
        assert a.distance_to(b) == pytest.approx(5.0, abs=1e-3)
        a3 = Keypoint(KeypointType.NOSE, 0.0, 0.0, 0.9, z=0.0)
        b3 = Keypoint(KeypointType.NOSE, 3.0, 4.0, 0.9, z=12.0)
        assert a3.distance_to(b3) == pytest.approx(13.0, abs=1e-12)
        assert a3.distance_to(b) == pytest.approx(5.0)  # 2-D when one lacks z

    def test_nan_coordinate_raises_non_finite(self) -> None:
        with pytest.raises(NonFiniteError, match="x"):
            Keypoint(KeypointType.NOSE, math.nan, 0.0, 0.5)

    def test_fields(self) -> None:
        k = Keypoint(KeypointType.LEFT_WRIST, 1.5, -2.0, Confidence(0.7), z=3.0)
        assert k.kind is KeypointType.LEFT_WRIST
        assert k.position_2d == (1.5, -2.0)
        assert k.position_3d == (1.5, -2.0, 3.0)
        assert k.confidence == Confidence(0.7)
        assert k.is_visible()
        assert Keypoint(KeypointType.NOSE, 0, 0, 0.49).is_visible() is False
        assert Keypoint(KeypointType.NOSE, 0, 0, 0.49).position_3d is None

    def test_kind_accepts_index_and_rejects_out_of_range(self) -> None:
        assert Keypoint(16, 0, 0, 1.0).kind is KeypointType.RIGHT_ANKLE
        with pytest.raises(ValidationError, match="Invalid keypoint type: 17"):
            Keypoint(17, 0, 0, 1.0)


class TestKeypointType:
    def test_coco_order_and_labels(self) -> None:
        assert KeypointType(0) is KeypointType.NOSE
        assert KeypointType(16) is KeypointType.RIGHT_ANKLE
        labels = [k.label for k in KeypointType.all()]
        assert labels == [
            "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
            "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
            "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
        ]  # fmt: skip

    @pytest.mark.parametrize("index", [17, -1, 100])
    def test_invalid_index(self, index: int) -> None:
        with pytest.raises(ValidationError, match=f"Invalid keypoint type: {index}"):
            KeypointType(index)
        with pytest.raises(ValidationError):
            KeypointType.from_index(index)

    def test_groups(self) -> None:
        assert [k.is_face() for k in KeypointType].count(True) == 5
        assert [k.is_upper_body() for k in KeypointType].count(True) == 6
        assert [k.is_lower_body() for k in KeypointType].count(True) == 6
        assert KeypointType.RIGHT_EAR.is_face() and KeypointType.LEFT_SHOULDER.is_upper_body()
        assert KeypointType.LEFT_HIP.is_lower_body()


class TestBoundingBox:
    def test_iou(self) -> None:
        a = BoundingBox(0, 0, 10, 10)
        assert a.iou(BoundingBox(5, 5, 15, 15)) == pytest.approx(25 / 175, abs=1e-3)
        assert BoundingBox(0, 0, 1, 1).iou(BoundingBox(1, 0, 2, 1)) == 0.0
        assert a.iou(a) == 1.0

    def test_geometry(self) -> None:
        a = BoundingBox(0, 0, 10, 10)
        assert a.contains(0, 0) and a.contains(10, 10) and a.contains(10, 5)
        assert not a.contains(10.001, 5)
        assert BoundingBox.from_center(5, 5, 10, 10) == a
        assert (a.width, a.height, a.area, a.center) == (10, 10, 100, (5, 5))

    def test_invalid(self) -> None:
        with pytest.raises(ValidationError, match="x_min"):
            BoundingBox(2, 0, 1, 1)
        with pytest.raises(ValidationError, match="y_min"):
            BoundingBox(0, 2, 1, 1)
        with pytest.raises(NonFiniteError):
            BoundingBox(0, 0, math.inf, 1)
        with pytest.raises(ValidationError, match="width"):
            BoundingBox.from_center(0, 0, -1, 1)


class TestPersonPose:
    def test_slots_and_visibility(self) -> None:
        p = PersonPose(id=3, confidence=0.9)
        p.set_keypoint(Keypoint(KeypointType.NOSE, 1, 2, 0.95))
        p.set_keypoint(Keypoint(KeypointType.LEFT_SHOULDER, 3, 5, 0.8))
        p.set_keypoint(Keypoint(KeypointType.LEFT_HIP, 100, 100, 0.2))
        assert p.visible_keypoint_count() == 2
        assert [k.kind for k in p.visible_keypoints()] == [
            KeypointType.NOSE,
            KeypointType.LEFT_SHOULDER,
        ]
        assert p.get_keypoint(KeypointType.NOSE) is not None
        assert p.get_keypoint(KeypointType.RIGHT_ANKLE) is None
        assert len(p.keypoints) == 17
        assert p.compute_bounding_box() == BoundingBox(1, 2, 3, 5)

    def test_flat_array(self) -> None:
        p = PersonPose()
        p.set_keypoint(Keypoint(KeypointType.LEFT_EYE, 4, 5, 0.5))
        flat = p.to_flat_array()
        assert flat.dtype == np.float32 and flat.shape == (51,)
        assert list(flat[3:6]) == [4.0, 5.0, 0.5]
        assert not flat[:3].any() and not flat[6:].any()

    def test_empty_pose_has_no_box_and_is_mutable(self) -> None:
        p = PersonPose()
        assert p.compute_bounding_box() is None
        p.confidence = 0.4
        assert p.confidence == Confidence(0.4)
        with pytest.raises(ValidationError):
            p.confidence = 1.5
        p.bounding_box = BoundingBox(0, 0, 1, 1)
        assert p.bounding_box == BoundingBox(0, 0, 1, 1)
        with pytest.raises(TypeError):
            hash(p)


class TestPoseEstimate:
    def test_ties_pick_the_last(self) -> None:
        persons = [PersonPose(id=1, confidence=0.9), PersonPose(id=2, confidence=0.9)]
        e = PoseEstimate(persons, 0.9, 12.5, "v2")
        best = e.highest_confidence_person()
        assert best is not None and best.id == 2
        assert e.person_count == 2 and e.has_detections
        assert PoseEstimate([], 0.0, 0.0, "v2").highest_confidence_person() is None

    def test_defaults_and_validation(self) -> None:
        e = PoseEstimate([], 0.5, 1.0, "v2")
        assert len(e.id) == 36 and e.id[14] == "4"
        assert PoseEstimate([], 0.5, 1.0, "v2").id != e.id
        assert abs(Timestamp.now().duration_since(e.timestamp)) < 60
        with pytest.raises(ValidationError, match="latency_ms"):
            PoseEstimate([], 0.5, -1.0, "v2")
        with pytest.raises(ValidationError):
            PoseEstimate([], 1.5, 1.0, "v2")


class TestTimestamp:
    def test_arithmetic(self) -> None:
        a, b = Timestamp(101, 500_000_000), Timestamp(100, 0)
        assert a.duration_since(b) == 1.5
        assert a.as_nanos() == 101_500_000_000
        assert b < a and max(a, b) == a

    def test_nanos_range(self) -> None:
        with pytest.raises(ValidationError, match="nanos"):
            Timestamp(0, 1_000_000_000)
        with pytest.raises(ValidationError, match="nanos"):
            Timestamp(0, -1)

    def test_datetime_round_trip(self) -> None:
        dt = datetime(2026, 4, 3, 2, 9, 46, 123456, tzinfo=timezone.utc)
        t = Timestamp.from_datetime(dt)
        assert (t.seconds, t.nanos) == (1775182186, 123456000)
        assert t.to_datetime() == dt
        assert Timestamp.from_datetime(dt.replace(tzinfo=None)) == t


class TestMetadata:
    def test_bands(self) -> None:
        assert [b.typical_subcarriers for b in (
            FrequencyBand.BAND_2_4GHZ, FrequencyBand.BAND_5GHZ, FrequencyBand.BAND_6GHZ
        )] == [56, 114, 234]  # fmt: skip
        assert FrequencyBand.BAND_5GHZ.center_frequency_mhz > 5000
        assert FrequencyBand.BAND_6GHZ.label == "band_6ghz"

    def test_defaults(self) -> None:
        m = CsiMetadata("node-1", FrequencyBand.BAND_5GHZ, 36)
        assert m.snr_db() == 40.0
        assert m.bandwidth_mhz == 20 and m.antenna_config == AntennaConfig.SIMO_1X3
        assert AntennaConfig.MIMO_3X3.spatial_streams == 9

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"device_id": ""}, "device_id"),
            ({"channel": 256}, "channel"),
            ({"bandwidth_mhz": 0}, "bandwidth_mhz"),
            ({"rssi_dbm": 128}, "rssi_dbm"),
            ({"noise_floor_dbm": -129}, "noise_floor_dbm"),
            ({"sequence_number": -1}, "sequence_number"),
        ],
    )
    def test_validation_names_the_field(self, kwargs: dict[str, object], field: str) -> None:
        args: dict[str, object] = {"device_id": "n", "frequency_band": FrequencyBand.BAND_5GHZ}
        args["channel"] = 6
        args.update(kwargs)
        with pytest.raises(ValidationError, match=field):
            CsiMetadata(**args)  # type: ignore[arg-type]

    def test_antenna_validation(self) -> None:
        for tx, rx in [(0, 1), (1, 256), (-1, 1)]:
            with pytest.raises(ValidationError):
                AntennaConfig(tx, rx)
        with pytest.raises(ValidationError, match="spacing_mm"):
            AntennaConfig(1, 1, spacing_mm=0.0)


class TestCsiFrame:
    def test_constructs_from_lists_and_arrays(self) -> None:
        f = CsiFrame([1.0] * 56, [0.0] * 56, 56, 0, 100.0)
        assert f.n_subcarriers == 56 and len(f) == 56
        assert f.amplitudes.dtype == np.float64 and f.amplitudes.shape == (56,)
        g = CsiFrame(np.ones(56, dtype=np.float32), np.zeros(56, dtype=np.int64), 56, 0, 100.0)
        assert g == f
        assert "n_subcarriers=56" in repr(f) and "sample_rate_hz=100.0" in repr(f)

    def test_strided_input(self) -> None:
        a = np.arange(112, dtype=np.float64)
        f = CsiFrame(a[::2], a[1::2], 56, 7, 50.0)
        assert np.array_equal(f.amplitudes, a[::2]) and np.array_equal(f.phases, a[1::2])

    def test_getters_are_read_only(self) -> None:
        f = CsiFrame([1.0, 2.0], [0.0, 0.1], 2, 0, 100.0)
        with pytest.raises(ValueError, match="read-only"):
            f.amplitudes[0] = 5.0
        assert f.amplitudes is f.amplitudes

    def test_length_mismatch(self) -> None:
        with pytest.raises(ShapeError, match=r"amplitudes: expected length 56 .*got length 55"):
            CsiFrame([1.0] * 55, [0.0] * 56, 56, 0, 100.0)
        with pytest.raises(ShapeError, match="phases"):
            CsiFrame([1.0] * 56, [0.0] * 57, 56, 0, 100.0)
        with pytest.raises(ShapeError, match="n_subcarriers"):
            CsiFrame([], [], 0, 0, 100.0)

    def test_non_finite_names_field_and_index(self) -> None:
        phases = [0.0] * 56
        phases[9] = math.nan
        with pytest.raises(NonFiniteError, match=r"phases .*\(NaN\) at \[9\]"):
            CsiFrame([1.0] * 56, phases, 56, 0, 100.0)
        amplitudes = [1.0] * 56
        amplitudes[3] = -math.inf
        with pytest.raises(NonFiniteError, match=r"amplitudes .* at \[3\]"):
            CsiFrame(amplitudes, [0.0] * 56, 56, 0, 100.0)

    @pytest.mark.parametrize("rate", [0.0, -1.0, math.nan, math.inf])
    def test_bad_rate(self, rate: float) -> None:
        with pytest.raises(ValidationError, match="sample_rate_hz"):
            CsiFrame([1.0], [0.0], 1, 0, rate)

    @pytest.mark.parametrize(
        "bad",
        [np.array([1 + 1j, 2j]), np.array([True, False]), np.array(["a", "b"]), [[1.0], [2.0]]],
    )
    def test_wrong_dtype_or_ndim(self, bad: object) -> None:
        with pytest.raises(ValidationError, match="amplitudes"):
            CsiFrame(bad, [0.0, 0.0], 2, 0, 100.0)  # type: ignore[arg-type]

    def test_from_iq(self) -> None:
        f = CsiFrame.from_iq(np.array([3 + 4j]), 0, 100.0)
        assert f.amplitudes[0] == 5.0
        assert f.phases[0] == pytest.approx(0.927295218, abs=1e-9)
        g = CsiFrame.from_iq(np.array([[3, 4]], dtype=np.int8), 0, 100.0)
        assert g == f
        with pytest.raises(ShapeError, match="iq"):
            CsiFrame.from_iq(np.ones((3, 3)), 0, 100.0)
        with pytest.raises(NonFiniteError, match="iq"):
            CsiFrame.from_iq(np.array([complex(math.nan, 0)]), 0, 100.0)

    def test_to_iq_round_trip(self) -> None:
        rng = np.random.default_rng(1)
        z = rng.normal(size=64) + 1j * rng.normal(size=64)
        f = CsiFrame.from_iq(z, 3, 100.0)
        assert np.max(np.abs(f.to_iq() - z)) < 1e-12

    def test_iq_to_polar_batch(self) -> None:
        z = np.array([[3 + 4j, -1 + 0j], [0 + 2j, 1 + 1j]])
        amplitudes, phases = wd.iq_to_polar(z)
        assert np.allclose(amplitudes, np.abs(z)) and np.allclose(phases, np.angle(z))
        pairs = np.stack([z.real, z.imag], axis=-1)
        a2, p2 = wd.iq_to_polar(pairs)
        assert np.array_equal(a2, amplitudes) and np.array_equal(p2, phases)

    def test_metadata_and_serialisation(self) -> None:
        m = CsiMetadata("esp32-a", FrequencyBand.BAND_2_4GHZ, 6, timestamp=Timestamp(10, 5))
        f = CsiFrame([1.0, 2.0], [0.5, -0.5], 2, 4, 100.0, metadata=m)
        assert f.metadata == m
        d = f.to_dict()
        assert d["amplitudes"] == [1.0, 2.0] and d["metadata"]["frequency_band"] == "band_2_4ghz"
        assert d["metadata"]["timestamp"] == {"seconds": 10, "nanos": 5}
        assert CsiFrame.from_dict(d) == f
        assert CsiFrame.from_json(f.to_json()) == f
        assert pickle.loads(pickle.dumps(f)) == f
        assert hash(CsiFrame.from_json(f.to_json())) == hash(f)

    def test_from_dict_validates_like_the_constructor(self) -> None:
        d = CsiFrame([1.0, 2.0], [0.5, -0.5], 2, 4, 100.0).to_dict()
        for key, value in [("sample_rate_hz", 0.0), ("n_subcarriers", 3)]:
            with pytest.raises(ValidationError):
                CsiFrame.from_dict({**d, key: value})
        with pytest.raises(NonFiniteError, match="amplitudes"):
            CsiFrame.from_dict({**d, "amplitudes": [1.0, math.nan]})
        with pytest.raises(ValidationError, match="CsiFrame"):
            CsiFrame.from_json("{")


def test_error_hierarchy() -> None:
    for cls in (
        wd.ValidationError,
        wd.NonFiniteError,
        wd.ShapeError,
        wd.ConfigError,
        wd.InsufficientDataError,
    ):
        assert issubclass(cls, wd.WifiDenseposeError) and issubclass(cls, ValueError)
    assert issubclass(wd.NotFoundError, LookupError)
    assert issubclass(wd.OperationTimeoutError, TimeoutError)
    assert issubclass(wd.ComputationError, ArithmeticError)
    assert wd.InsufficientDataError.recoverable and not wd.ShapeError.recoverable
    with pytest.raises(wd.ShapeError) as info:
        CsiFrame([1.0], [0.0, 1.0], 1, 0, 1.0)
    assert info.value.code == "Shape" and info.value.recoverable is False
    e = pickle.loads(pickle.dumps(info.value))
    assert type(e) is wd.ShapeError and e.code == "Shape"
