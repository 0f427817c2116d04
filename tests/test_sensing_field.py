"""Field model, occupancy count and calibration file (spec ruvsense.md §3.1 and §6)."""

from __future__ import annotations

import numpy as np
import pytest

from wifi_densepose.errors import InsufficientDataError, ShapeError, ValidationError
from wifi_densepose.sensing import FieldModel, RoomSimulation, count_components, nearest_frames

S = 56


def test_white_noise_counts_zero_components_over_100_seeds() -> None:
    # The audit's failing case: 56 subcarriers, 50-frame window (upstream: 9-10 "persons").
    estimates = []
    for seed in range(100):
        window = np.random.default_rng(seed).normal(0.0, 1.5, size=(50, S))
        c = count_components(window)
        assert c.valid
        assert c.significant_components == 0, seed
        estimates.append(c.noise_variance)
    # The noise floor is not biased low: mean sigma^2 estimate within 2 % of 2.25.
    assert np.mean(estimates) == pytest.approx(2.25, rel=0.02)


def test_planted_components_are_counted() -> None:
    rng = np.random.default_rng(1)
    t = 300
    u = np.zeros((3, S))
    u[0, :20] = u[1, 20:40] = u[2, 40:] = 1.0
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    window = rng.normal(size=(t, S)) + (2.0 * rng.normal(size=(t, 3))) @ u
    c = count_components(window)
    assert (c.significant_components, c.valid) == (3, True)
    assert c.eigenvalues.shape == (S,)
    assert c.noise_variance == pytest.approx(1.0, rel=0.1)


def test_short_window_is_not_counted() -> None:
    c = count_components(np.random.default_rng(0).normal(size=(10, S)))
    assert not c.valid
    assert c.significant_components == 0
    assert "10 frames" in c.reason
    with pytest.raises(ShapeError):
        count_components(np.zeros(5))


def rank_one_drift(t: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x = mu + s u + e with Var s = 9, sigma_e^2 = 0.01 (spec §6 field_model test)."""
    rng = np.random.default_rng(seed)
    mu = 10.0 + np.sin(0.1 * np.arange(S))
    u = np.where(np.arange(S) % 2 == 0, 1.0, -1.0) / np.sqrt(S)
    x = mu + 3.0 * rng.normal(size=(t, 1)) * u + 0.1 * rng.normal(size=(t, S))
    return x, mu, u


def test_rank_one_drift_is_the_background_mode_and_residual_is_the_orthogonal_part() -> None:
    x, _, u = rank_one_drift(5000, 2)
    model = FieldModel.fit([x])
    assert model.n_modes == [1]
    assert abs(model.modes(0)[0] @ u) > 0.99
    # Variance explained ~ 9.01 / 9.56 = 0.94.
    sigma2 = float(model.noise_variance[0])
    assert sigma2 == pytest.approx(0.01, rel=0.1)
    # obs = mean + 5u + b with b orthogonal to u: residual = b.
    b = np.where((np.arange(S) // 2) % 2 == 0, 0.5, -0.5)
    assert abs(b @ u) < 1e-12
    r = model.residual(0, model.mean[0] + 5.0 * u + b)
    assert np.linalg.norm(r - b) < 0.05
    # Energy of the empty room's own frames is ~1; batch form gives one value per frame.
    energy = model.perturbation_energy(0, x[:200])
    assert energy.shape == (200,)
    assert np.mean(energy) == pytest.approx(1.0, abs=0.1)
    assert isinstance(model.perturbation_energy(0, x[0]), float)


def test_links_with_different_constant_means_have_no_environmental_mode() -> None:
    rng = np.random.default_rng(3)
    a = 5.0 + 0.01 * rng.normal(size=(400, S))
    b = 20.0 + np.arange(S) + 0.01 * rng.normal(size=(400, S))
    model = FieldModel.fit([a, b])
    assert model.n_modes == [0, 0]
    np.testing.assert_allclose(model.mean[1], 20.0 + np.arange(S), atol=0.01)


def test_json_round_trip_and_bad_files() -> None:
    x, _, _ = rank_one_drift(300, 4)
    model = FieldModel.fit([x, x[::-1]])
    back = FieldModel.from_json(model.to_json())
    assert back.to_json() == model.to_json()
    np.testing.assert_array_equal(back.mean, model.mean)
    with pytest.raises(ValidationError, match="format"):
        FieldModel.from_json(model.to_json().replace("wifi-densepose-field-model/1", "x/9"))
    with pytest.raises(ValidationError, match="line 1"):
        FieldModel.from_json("{not json")
    with pytest.raises(InsufficientDataError, match=r"links\[0\] frames"):
        FieldModel.fit([x[:50]])
    with pytest.raises(ShapeError, match=r"links\[1\]"):
        FieldModel.fit([x, x[:, :30]])
    bad = x.copy()
    bad[7, 3] = np.nan
    with pytest.raises(ValidationError, match=r"\[7, 3\]"):
        FieldModel.fit([bad])


def window_of(sim: RoomSimulation, start_s: float, frames: int = 40) -> np.ndarray:
    rec = sim.record(start_s, frames * 0.15 + 1.0)
    picks = [nearest_frames(ts, start_s + 0.5, 0.15, frames, 0.075) for ts, _ in rec]
    rows = [k for k in range(frames) if all(p[k] >= 0 for p in picks)]
    return np.stack(
        [np.stack([a[p[k]] for (_, a), p in zip(rec, picks, strict=True)]) for k in rows]
    )


def test_simulated_room_empty_and_one_person_sitting() -> None:
    empty = RoomSimulation(0, 0, room_seed=5, seed=1).record(0.0, 60.0)
    assert len(empty) == 6
    model = FieldModel.fit([amps for _, amps in empty])
    for seed in range(5):
        occ = model.occupancy(window_of(RoomSimulation(0, 0, room_seed=5, seed=50 + seed), 0.0))
        assert (occ.presence, occ.person_count, occ.person_count_valid) == (False, 0, True)
        assert np.all(occ.link_energy < 1.3)
    occ = model.occupancy(window_of(RoomSimulation(0, 1, room_seed=5, seed=9), 0.0))
    assert occ.presence and occ.person_count_valid
    assert occ.person_count in (1, 2)  # breathing adds a second-harmonic component at times
    # A walker is present but not countable: reported as such instead of a guess.
    occ = model.occupancy(window_of(RoomSimulation(1, 0, room_seed=5, seed=9), 0.0))
    assert occ.presence and not occ.person_count_valid and occ.person_count == 0
    assert "components stand out" in occ.components.reason
    with pytest.raises(ShapeError, match="window"):
        model.occupancy(np.zeros((40, 5, S)))
