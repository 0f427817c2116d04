"""Vitals of every node of a real ESP32 recording, on capture time.

`CaptureVitals` takes each node's raw CSI frames as they were recorded — irregular receive
times, 64-, 128- and 192-bin frames interleaved, always-zero DC and guard bins — and works out
the shared bins, the null bins and the grid rate itself.

    python examples/esp32_capture_vitals.py [RECORDING.csi.jsonl]

Without an argument it reads the bundled 8 s capture (`tests/data/esp32-excerpt.csi.jsonl`):
long enough for heart-rate readings, not for breathing (10 s).
"""

from __future__ import annotations

import math
import sys
import warnings
from pathlib import Path

from wifi_densepose.io import RecordingWarning, load_recording
from wifi_densepose.vitals import CaptureVitals, VitalStatus

DEFAULT = Path(__file__).resolve().parent.parent / "tests" / "data" / "esp32-excerpt.csi.jsonl"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RecordingWarning)  # bad lines are skipped
        recording = load_recording(path)
    for node in recording.nodes:
        if not recording.layouts(node):
            continue
        capture = CaptureVitals()
        result = capture.process_recording(recording, node)
        layout = capture.layout
        if layout is None or len(result) == 0:
            print(f"node {node}: no reading ({capture.disabled_reason or 'too short'})")
            continue
        heart = result.heart_bpm[-1]
        breathing = result.breathing_bpm[-1]
        print(
            f"node {node}: {capture.stats['frames']} frames, {layout['block_bins']} shared bins, "
            f"{len(layout['null_bins'])} null bins, grid {layout['sample_rate_hz']:.0f} Hz; "
            f"{len(result)} readings; last: heart "
            + ("-" if math.isnan(heart) else f"{heart:.1f} BPM")
            + f" ({VitalStatus(int(result.heart_status[-1])).name}), breathing "
            + ("-" if math.isnan(breathing) else f"{breathing:.1f} BPM")
        )


if __name__ == "__main__":
    main()
