"""Build CSI frames from complex samples and show the core types."""

from __future__ import annotations

import numpy as np

import wifi_densepose as wd


def main() -> None:
    sample_rate_hz = 100.0
    rng = np.random.default_rng(7)
    subcarriers = np.arange(56)
    iq = (15 + 5 * np.sin(0.1 * subcarriers)) * np.exp(1j * 0.2 * subcarriers)
    frames = [
        wd.CsiFrame.from_iq(iq + 0.1 * rng.normal(size=56), index, sample_rate_hz)
        for index in range(3)
    ]
    print(f"wifi-densepose {wd.__version__} (core {wd.__core_version__})")
    for frame in frames:
        print(frame)
    pose = wd.PersonPose(id=1, confidence=0.9)
    pose.set_keypoint(wd.Keypoint(wd.KeypointType.NOSE, 0.52, 0.18, 0.95))
    pose.set_keypoint(wd.Keypoint(wd.KeypointType.LEFT_SHOULDER, 0.45, 0.31, 0.88))
    print(pose, pose.compute_bounding_box())


if __name__ == "__main__":
    main()
