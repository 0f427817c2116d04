"""Per-node vitals reports of a recording and their plot (what ``wdp vitals`` prints and draws).

``node_report(recording, node_id)`` runs the vitals pipeline over one node's raw CSI on capture
time and returns a :class:`NodeReport` (readings as :class:`ReadingRow`: rates in BPM,
confidences in [0, 1], ``VitalStatus`` names, ``timestamp_s``) next to the node's own
edge-vitals values; ``link_report(capture, rx, tx)`` does the same for one chain pair of a CSI
file of another tool. ``plot_reports(reports, recording, "vitals.svg")`` writes the figure
(PNG, SVG or PDF by suffix; needs the ``plot`` extra) and ``vitals_figure`` returns it.
"""

from wifi_densepose._vitals_report import (
    NodeReport,
    ReadingRow,
    link_report,
    node_frames,
    node_report,
    plot_reports,
    vitals_figure,
)

__all__ = [
    "NodeReport",
    "ReadingRow",
    "link_report",
    "node_frames",
    "node_report",
    "plot_reports",
    "vitals_figure",
]
