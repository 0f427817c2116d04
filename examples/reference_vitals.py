"""Breathing and heart rate of the bundled reference signal, in the four lines of the README.

The signal (`wifi_densepose.samples.reference_signal()`, regenerated from its parameters, so
this runs from an installed wheel) is RuView's deterministic CSI reference: 10 s at 100 Hz,
3 antennas x 56 subcarriers, amplitude modulated at 0.3 Hz (18 breaths per minute) and 1.2 Hz
(72 per minute). Antenna 0 goes through the default ESP32 vitals pipeline.
"""

from __future__ import annotations

from wifi_densepose import samples
from wifi_densepose.vitals import VitalsPipeline


def main() -> None:
    amplitude, phase = samples.reference_signal()
    amplitudes, phases = amplitude[:, 0, :], phase[:, 0, :]
    result = VitalsPipeline.esp32_default().process(amplitudes, phases, sample_rate_hz=100.0)
    print(f"reference signal: {amplitudes.shape[0]} frames x {amplitudes.shape[1]} subcarriers")
    print(f"breathing {result.breathing_bpm[-1]:.2f} BPM (expected 18)")
    print(f"heart     {result.heart_bpm[-1]:.2f} BPM (expected 72)")


if __name__ == "__main__":
    main()
