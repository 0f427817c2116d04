"""Tomography, tracker, gestures and fusion against analytic expectations (spec §6)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from wifi_densepose.errors import NonFiniteError, ShapeError, ValidationError
from wifi_densepose.sensing import (
    GestureClassifier,
    RoomSimulation,
    Tomographer,
    Tracker,
    dtw,
    fuse_nodes,
    geometric_diversity,
    nearest_frames,
)


def ring(n: int, radius: float = 2.6) -> np.ndarray:
    a = 2.0 * np.pi * np.arange(n) / n + 0.1
    return np.column_stack([2.0 + radius * np.cos(a), 2.0 + radius * np.sin(a)])


def test_ellipse_weights_single_voxel_and_zero_image() -> None:
    # Two nodes 4 m apart along a row of voxel centres: that row has weight 1/sqrt(4).
    t = Tomographer([[0.0, 2.25], [4.0, 2.25]], (0.0, 0.0, 4.0, 4.0), nx=8, ny=8, excess_path_m=0.1)
    expected = np.zeros((8, 8))
    expected[4, :] = 0.5
    np.testing.assert_array_equal(t.weights.reshape(8, 8), expected)
    t = Tomographer(ring(16), (0.0, 0.0, 4.0, 4.0), nx=8, ny=8, excess_path_m=0.3, alpha=0.05)
    assert len(t.links) == 120
    for iy, ix in [(1, 1), (3, 4), (6, 2)]:
        truth = np.zeros((8, 8))
        truth[iy, ix] = 1.0
        image = t.reconstruct(t.forward(truth))
        assert tuple(int(i) for i in np.unravel_index(np.argmax(image), image.shape)) == (iy, ix)
        (x, y), _ = t.peak(image)
        assert (x, y) == (0.25 + 0.5 * ix, 0.25 + 0.5 * iy)
    assert not np.any(t.reconstruct(np.zeros(120)))
    with pytest.raises(ShapeError, match="attenuation"):
        t.reconstruct(np.zeros(3))


def test_tikhonov_with_tiny_alpha_fits_the_data() -> None:
    t = Tomographer(ring(6), (0.0, 0.0, 4.0, 4.0), nx=8, ny=8, excess_path_m=0.3, alpha=1e-10)
    y = 0.3 + 0.1 * np.arange(15)
    assert np.linalg.norm(t.forward(t.reconstruct(y)) - y) < 1e-6


def test_kalman_tracks_a_noise_free_target_at_one_metre_per_second() -> None:
    tracker = Tracker(measurement_sigma=0.05)
    dt = 0.05
    for i in range(41):
        tracks = tracker.step([[i * dt, 1.0]], dt)
    (track,) = tracks
    assert track.confirmed and track.track_id == 1
    assert abs(track.position[0] - 2.0) < 0.01 and abs(track.position[1] - 1.0) < 0.01
    assert math.hypot(*track.velocity) == pytest.approx(1.0, abs=0.01)


def test_two_crossing_targets_keep_their_ids() -> None:
    tracker = Tracker()
    v = 1.0 / math.sqrt(2.0)
    first: tuple[int, int] | None = None
    for i in range(114):
        t = i * 0.05
        a, b = (v * t, v * t), (v * t, 4.0 - v * t)
        tracks = tracker.step([a, b], 0.05)
        assert len(tracks) == 2
        if abs(a[1] - b[1]) > 0.3:
            ids = [min(tracks, key=lambda tr: math.dist(tr.position, p)).track_id for p in (a, b)]
            near = (ids[0], ids[1])
            if first is None:
                first = near
            assert near == first
    assert first == (1, 2)


def test_tracker_life_cycle_and_errors() -> None:
    tracker = Tracker(confirm_hits=3, max_misses=2)
    assert not tracker.step([[1.0, 1.0]], 0.1)[0].confirmed
    assert tracker.step(np.empty((0, 2)), 0.1) == []
    for _ in range(3):
        tracker.step([[1.0, 1.0]], 0.1)
    assert tracker.tracks[0].confirmed and tracker.tracks[0].track_id == 2
    with pytest.raises(NonFiniteError, match=r"detections\[0\]"):
        tracker.step([[math.nan, 0.0]], 0.1)
    with pytest.raises(ShapeError):
        tracker.step([[1.0, 2.0, 3.0]], 0.1)
    with pytest.raises(ValidationError, match="dt"):
        tracker.step([], -1.0)


def test_dtw_of_the_stretched_ramp_is_exactly_one_and_a_half() -> None:
    a = [0.0, 1.0, 2.0, 3.0]
    b = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
    assert dtw(a, b, band=4) == 1.5
    assert dtw(a, b, band=0) == 1.5  # the band widens to the length difference: finite
    assert dtw([[0.0, 3.0]], [[4.0, 0.0]]) == 5.0
    with pytest.raises(ShapeError):
        dtw([[0.0, 1.0]], [[0.0, 1.0, 2.0]])


def test_gesture_templates_stretch_and_rejection() -> None:
    n = np.arange(20)
    wave = np.sin(2 * np.pi * n / 20)
    push = n / 20
    c = GestureClassifier(band=3, threshold=0.2)
    c.add_template("push", push)
    c.add_template("wave", wave)
    assert c.template_names == ["push", "wave"]
    assert c.classify(wave).name == "wave"
    assert c.classify(push).name == "push"
    stretched = np.sin(2 * np.pi * np.arange(30) / 30)
    m = c.classify(stretched)
    assert m.name == "wave" and m.margin > 0.5
    assert c.classify(-wave).name is None
    assert c.classify(np.full(20, 5.0)).name is None


def test_fusion_weights_coherence_and_diversity() -> None:
    a = np.array([1.0, 2.0, 3.0])
    f = fuse_nodes(np.stack([a, a, a]), [0.5, 0.5, 0.5])
    assert f.coherence == 1.0
    np.testing.assert_allclose(f.weights, [1 / 3] * 3, rtol=1e-15)
    np.testing.assert_allclose(f.fused, a)
    f = fuse_nodes([[0.0, 4.0], [4.0, 0.0]], [1.0, 3.0])
    np.testing.assert_array_equal(f.weights, [0.75, 0.25])
    np.testing.assert_array_equal(f.fused, [1.0, 3.0])
    assert f.coherence == pytest.approx(0.8)
    circle = [[math.cos(2 * math.pi * k / 5), math.sin(2 * math.pi * k / 5)] for k in range(5)]
    assert geometric_diversity(circle) == pytest.approx(1.0)
    assert geometric_diversity([[-1.0, 0.0], [0.0, 0.0], [1.0, 0.0]]) == pytest.approx(2 / 3)
    with pytest.raises(ValidationError, match=r"noise_variance.*\[1\]"):
        fuse_nodes([[1.0], [2.0]], [1.0, 0.0])


def test_nearest_frames_and_simulated_timing() -> None:
    picks = nearest_frames([0.0, 0.09, 0.31, 0.4, 1.0], 0.0, 0.15, 7, 0.1 + 1e-9)
    assert picks.tolist() == [0, 1, 2, 3, -1, -1, 4]
    with pytest.raises(ValidationError, match=r"\[1\]"):
        nearest_frames([0.0, 0.0], 0.0, 0.1, 3, 1.0)
    sim = RoomSimulation(1, 1, room_seed=0, seed=0)
    rec = sim.record(0.0, 30.0)
    intervals = np.diff(rec[0][0])
    assert intervals.min() >= 0.025 and intervals.max() < 0.26
    assert rec[0][1].shape[1] == 56 and rec[0][1].max() <= 182.0
    assert sim.people_at(3.0).shape == (2, 2)
