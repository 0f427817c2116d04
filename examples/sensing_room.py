"""Multi-node sensing on a simulated room: calibrate on the empty room, then report
presence, person count (or that it cannot be counted) and a tracked position.

    python examples/sensing_room.py --walkers 0 --sitters 1

Four nodes on the walls of a 5 m x 4 m room (six links), int8 CSI with irregular
ESP32-like timing. Every 0.15 s each link contributes its nearest frame; a 6 s window
of all links is counted against the empty-room field model.
"""

from __future__ import annotations

import argparse

import numpy as np

from wifi_densepose.sensing import FieldModel, RoomSimulation, Tomographer, Tracker, nearest_frames

GRID_DT_S = 0.15
WINDOW = 40  # grid points: 6 s


def aligned_window(
    recording: list[tuple[np.ndarray, np.ndarray]], t0_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """`[frames, links, subcarriers]` amplitudes on the common grid, and per-link energy rows."""
    picks = [nearest_frames(ts, t0_s, GRID_DT_S, WINDOW, GRID_DT_S / 2) for ts, _ in recording]
    keep = [k for k in range(WINDOW) if all(p[k] >= 0 for p in picks)]
    window = np.stack(
        [
            np.stack([amps[p[k]] for (_, amps), p in zip(recording, picks, strict=True)])
            for k in keep
        ]
    )
    return window, np.asarray(keep)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walkers", type=int, default=0)
    parser.add_argument("--sitters", type=int, default=1)
    parser.add_argument("--room-seed", type=int, default=3)
    args = parser.parse_args()

    empty = RoomSimulation(0, 0, room_seed=args.room_seed, seed=100).record(0.0, 60.0)
    model = FieldModel.fit([amps for _, amps in empty])
    print(f"calibrated {model.n_links} links, background modes {model.n_modes}")

    sim = RoomSimulation(args.walkers, args.sitters, room_seed=args.room_seed, seed=7)
    recording = sim.record(0.0, 7.0)
    window, _ = aligned_window(recording, 0.5)
    occupancy = model.occupancy(window)
    count = str(occupancy.person_count) if occupancy.person_count_valid else "not valid"
    print(f"people present: {args.walkers + args.sitters}")
    print(f"presence: {occupancy.presence}, person count: {count}")

    # Localise: attenuation per link = excess perturbation energy over the last second.
    rti = Tomographer(sim.nodes, (0.0, 0.0, *sim.room))
    tracker = Tracker(measurement_sigma=0.6, accel_sigma=0.5)
    track_text = "none"
    for k in range(7, WINDOW, 3):
        attenuation = np.maximum(occupancy_energy(model, window[k - 7 : k]) - 1.0, 0.0)
        detections = [rti.peak(rti.reconstruct(attenuation))[0]] if attenuation.sum() > 0.5 else []
        tracks = [
            t for t in tracker.step(np.reshape(detections, (-1, 2)), 3 * GRID_DT_S) if t.confirmed
        ]
        if tracks:
            x, y = tracks[0].position
            track_text = f"track {tracks[0].track_id} at ({x:.1f}, {y:.1f}) m"
    truth = ", ".join(f"({x:.1f}, {y:.1f})" for x, y in sim.people_at(0.5 + WINDOW * GRID_DT_S))
    print(f"{track_text}; people at {truth or 'nowhere'}")


def occupancy_energy(model: FieldModel, rows: np.ndarray) -> np.ndarray:
    """Mean normalised perturbation energy per link of `rows` `[frames, links, subcarriers]`."""
    return np.array(
        [np.mean(model.perturbation_energy(link, rows[:, link])) for link in range(model.n_links)]
    )


if __name__ == "__main__":
    main()
