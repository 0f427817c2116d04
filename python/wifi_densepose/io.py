"""ESP32 packets and ``.csi.jsonl`` recordings (spec: docs/wire.md §1 and 2).

``parse_packet(data)`` decodes one UDP datagram into a frozen packet object
(``RawCsiPacket``, ``EdgeVitalsPacket``, ``FeatureVectorPacket``, ``FusedVitalsPacket``,
``CompressedCsiPacket``, ``FeatureStatePacket``, ``WasmOutputPacket``, ``SyncPacket``) or
raises :class:`PacketError` (a ``ValueError``) naming the magic, the byte offset and the
reason. ``encode_*`` turn packets back into bytes.

``read_recording(path)`` streams a recording one record per line; ``load_recording(path)``
reads it whole, with its sidecar, and gives per-node CSI arrays and edge vitals. Bad lines are
skipped with a :class:`RecordingWarning` (or raise :class:`RecordingError` with
``strict=True``).

``open_recording(path, format="auto")`` reads the CSI files of other tools (``FORMATS``:
Intel 5300 ``.dat``, Nexmon ``.pcap``, PicoScenes ``.csi``, Atheros CSI Tool, FeitCSI ``.csi``,
ESP32-CSI-Tool ``.csv``, RuView's older amplitude-only ``.csi.jsonl``) into a
:class:`CsiCapture` (complex CSI ``[time, subcarrier, rx, tx]``, ``timestamps_s``, per-frame
metadata); ``iter_recording`` streams them in chunks.
"""

from wifi_densepose._capture import (
    FORMATS,
    CaptureChunks,
    CsiCapture,
    detect_format,
    iter_recording,
    open_recording,
)
from wifi_densepose._core.io import (
    MAX_DATAGRAM_LEN,
    CompressedCsiPacket,
    EdgeVitalsPacket,
    FeatureRecord,
    FeatureStatePacket,
    FeatureVectorPacket,
    FusedVitalsPacket,
    OtherRecord,
    RawCsiPacket,
    RawCsiRecord,
    Recording,
    RecordingIterator,
    SyncPacket,
    VitalsRecord,
    WasmOutputPacket,
    encode_compressed_csi,
    encode_edge_vitals,
    encode_feature_state,
    encode_feature_vector,
    encode_fused_vitals,
    encode_raw_csi,
    encode_sync,
    encode_wasm_output,
    load_recording,
    parse_packet,
    read_recording,
)
from wifi_densepose._summary import NodeSummary, RecordingSummary
from wifi_densepose.errors import FormatError, PacketError, RecordingError, RecordingWarning

Packet = (
    RawCsiPacket
    | EdgeVitalsPacket
    | FeatureVectorPacket
    | FusedVitalsPacket
    | CompressedCsiPacket
    | FeatureStatePacket
    | WasmOutputPacket
    | SyncPacket
)
"""Any decoded packet."""

Record = RawCsiRecord | VitalsRecord | FeatureRecord | OtherRecord
"""Any record of a recording."""

__all__ = [
    "FORMATS",
    "MAX_DATAGRAM_LEN",
    "CaptureChunks",
    "CompressedCsiPacket",
    "CsiCapture",
    "EdgeVitalsPacket",
    "FeatureRecord",
    "FeatureStatePacket",
    "FeatureVectorPacket",
    "FormatError",
    "FusedVitalsPacket",
    "NodeSummary",
    "OtherRecord",
    "Packet",
    "PacketError",
    "RawCsiPacket",
    "RawCsiRecord",
    "Record",
    "Recording",
    "RecordingError",
    "RecordingIterator",
    "RecordingSummary",
    "RecordingWarning",
    "SyncPacket",
    "VitalsRecord",
    "WasmOutputPacket",
    "detect_format",
    "encode_compressed_csi",
    "encode_edge_vitals",
    "encode_feature_state",
    "encode_feature_vector",
    "encode_fused_vitals",
    "encode_raw_csi",
    "encode_sync",
    "encode_wasm_output",
    "iter_recording",
    "load_recording",
    "open_recording",
    "parse_packet",
    "read_recording",
]
