"""Notebook-style: a recording -> breathing and heart rate -> a DataFrame -> a plot.

Run: python examples/notebook_vitals.py [RECORDING.csi.jsonl] [OUT.png]
Needs the `dataframe` and `plot` extras: pip install 'wifi-densepose[dataframe,plot]'.
"""

import sys
from pathlib import Path

from wifi_densepose.io import load_recording
from wifi_densepose.reports import node_report, plot_reports

path = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/esp32-excerpt.csi.jsonl")
out = Path(sys.argv[2] if len(sys.argv) > 2 else "vitals.png")

recording = load_recording(path)  # ESP32 .csi.jsonl: per-node CSI and edge vitals
print(recording.to_pandas("vitals").head())  # the devices' own estimates, UTC `time` column
reports = [node_report(recording, node) for node in recording.nodes if recording.layouts(node)]
for report in reports:
    print(f"node {report.node_id}: {len(report.rows)} readings")
plot_reports(reports, recording, out, absolute_time=True)  # PNG, SVG or PDF by suffix
print(f"plot written to {out}")
