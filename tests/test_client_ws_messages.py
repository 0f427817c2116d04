"""Message parsing of the WebSocket client, including the RuView variants of docs/wire.md §8."""

from __future__ import annotations

import dataclasses

import pytest

from wifi_densepose.client.ws import (
    EdgeFusedVitals,
    EdgeVitals,
    SensingClient,
    SensingUpdate,
    UnknownMessage,
    WasmEvent,
    WasmEventEntry,
    parse_message,
)

# docs/wire.md §3.4: the edge_vitals message of test vector V2.
V2_EDGE_VITALS = {
    "type": "edge_vitals",
    "node_id": 1,
    "presence": True,
    "fall_detected": False,
    "motion": True,
    "breathing_rate_bpm": 15.5,
    "heartrate_bpm": 72.0,
    "n_persons": 1,
    "motion_energy": 0.25,
    "presence_score": 0.9,
    "rssi": -45,
    "person_count_valid": True,
    "timestamp_ms": 123456,
}

# docs/wire.md §3.3 example.
SENSING_UPDATE = {
    "type": "sensing_update",
    "timestamp": 1775182187.352,
    "source": "esp32",
    "tick": 812,
    "nodes": [
        {
            "node_id": 1,
            "rssi_dbm": -52.0,
            "position": [2.0, 0.0, 1.5],
            "amplitude": [0.0, 15.03, 14.21, 14.87],
            "subcarrier_count": 64,
        }
    ],
    "features": {
        "mean_rssi": -52.0,
        "variance": 3.4,
        "motion_band_power": 1.2,
        "breathing_band_power": 0.8,
        "dominant_freq_hz": 0.25,
        "change_points": 5,
        "spectral_power": 150.2,
    },
    "classification": {"motion_level": "present_still", "presence": True, "confidence": 0.62},
    "signal_field": {"grid_size": [20, 1, 20], "values": [0.01, 0.02, 0.02, 0.01]},
    "vital_signs": {
        "breathing_rate_bpm": 14.2,
        "heart_rate_bpm": None,
        "breathing_confidence": 0.6,
        "heartbeat_confidence": 0.0,
        "signal_quality": 0.7,
    },
    "estimated_persons": 1,
}

# docs/wire.md §3.5: the edge_fused_vitals message of test vector V4.
V4_FUSED = {
    "type": "edge_fused_vitals",
    "node_id": 1,
    "breathing_rate_bpm": 16.25,
    "heartrate_bpm": 68.5,
    "n_persons": 1,
    "person_count_valid": True,
    "fusion_confidence": 87,
    "mmwave": {
        "hr_bpm": 68.0,
        "br_bpm": 16.0,
        "distance_cm": 142.5,
        "targets": 1,
        "confidence": 90,
        "type": 2,
    },
    "motion_energy": 0.125,
    "presence_score": 0.75,
    "timestamp_ms": 5000,
}


def test_edge_vitals_v2() -> None:
    message = parse_message(V2_EDGE_VITALS)
    assert isinstance(message, EdgeVitals)
    assert (message.node_id, message.presence, message.motion, message.fall_detected) == (
        1,
        True,
        True,
        False,
    )
    assert (message.breathing_bpm, message.heart_bpm) == (15.5, 72.0)
    assert (message.n_persons, message.rssi, message.timestamp_ms) == (1, -45, 123456)
    assert message.person_count_valid is True
    assert message.raw["presence_score"] == 0.9
    with pytest.raises(dataclasses.FrozenInstanceError):
        message.node_id = 2  # type: ignore[misc]


def test_ruview_edge_vitals_variant() -> None:
    # Older servers: plain numbers with 0.0 meaning unknown, no person_count_valid or
    # timestamp_ms, extra keys, unnormalised scores, inconsistent person count.
    message = parse_message(
        {
            "type": "edge_vitals",
            "node_id": 2,
            "presence": False,
            "fall_detected": False,
            "motion": True,
            "breathing_rate_bpm": 0.0,
            "heart_rate_bpm": 85.0,
            "n_persons": 4,
            "motion_energy": 42.6,
            "presence_score": 42.6,
            "rssi": -19,
            "calibrated_evidence_authorized": False,
            "abstention_reason": None,
        }
    )
    assert isinstance(message, EdgeVitals)
    assert message.breathing_bpm is None
    assert message.heart_bpm == 85.0
    assert (message.person_count_valid, message.timestamp_ms) == (None, None)
    assert (message.n_persons, message.motion_energy) == (4, 42.6)


def test_sensing_update_example() -> None:
    message = parse_message(SENSING_UPDATE)
    assert isinstance(message, SensingUpdate)
    assert (message.tick, message.source, message.is_offline) == (812, "esp32", False)
    assert message.nodes[0].node_id == 1
    assert message.nodes[0].amplitude == (0.0, 15.03, 14.21, 14.87)
    assert message.nodes[0].subcarrier_count == 64
    assert message.features.change_points == 5
    assert message.classification.motion_level == "present_still"
    assert message.vital_signs is not None
    assert message.vital_signs.breathing_bpm == 14.2
    assert message.vital_signs.heart_bpm is None
    assert message.estimated_persons == 1
    assert message.signal_field == (0.01, 0.02, 0.02, 0.01)


def test_sensing_update_minimal_and_offline() -> None:
    # Simulate mode without vital_signs, estimated_persons omitted (= 0), unknown labels.
    message = parse_message(
        {
            "type": "sensing_update",
            "timestamp": 1,
            "source": "esp32:offline",
            "tick": 3,
            "nodes": [],
            "classification": {"motion_level": "sleeping"},
            "vendor_key": [1, 2],
        }
    )
    assert isinstance(message, SensingUpdate)
    assert message.is_offline
    assert message.vital_signs is None
    assert message.estimated_persons == 0
    assert message.classification.motion_level == "sleeping"
    assert message.classification.presence is True
    assert message.features.mean_rssi == 0.0


def test_vital_signs_spellings() -> None:
    message = parse_message(
        {
            "type": "sensing_update",
            "tick": 1,
            "vital_signs": {"breathing_rate_bpm": 0.0, "heartrate_bpm": 61.5},
        }
    )
    assert isinstance(message, SensingUpdate) and message.vital_signs is not None
    assert message.vital_signs.breathing_bpm is None
    assert message.vital_signs.heart_bpm == 61.5


def test_fused_vitals_v4() -> None:
    message = parse_message(V4_FUSED)
    assert isinstance(message, EdgeFusedVitals)
    assert (message.breathing_bpm, message.heart_bpm) == (16.25, 68.5)
    assert message.fusion_confidence == 87
    assert message.mmwave is not None
    assert (message.mmwave.distance_cm, message.mmwave.sensor_type) == (142.5, 2)
    # V4 as the server sends it (docs/wire.md §3.5) also carries the device's flags and RSSI.
    flagged = parse_message(
        {**V4_FUSED, "presence": True, "fall_detected": False, "motion": True,
         "mmwave_present": True, "rssi": -58}
    )  # fmt: skip
    assert isinstance(flagged, EdgeFusedVitals)
    assert (flagged.presence, flagged.fall_detected, flagged.motion) == (True, False, True)
    assert (flagged.mmwave_present, flagged.rssi) == (True, -58)
    assert (message.presence, message.mmwave_present, message.rssi) == (False, False, None)


def test_unknown_types_are_kept() -> None:
    wasm = {
        "type": "wasm_event",
        "node_id": 1,
        "module_id": 2,
        "events": [{"event_type": 1, "value": 0.5}],
    }
    message = parse_message(wasm)
    assert message == WasmEvent(
        node_id=1, module_id=2, events=(WasmEventEntry(event_type=1, value=0.5),), raw=wasm
    )
    vendor = {"type": "vendor_frame", "node_id": 1}
    assert parse_message(vendor) == UnknownMessage(type="vendor_frame", raw=vendor)
    assert message.raw["events"][0]["value"] == 0.5
    assert parse_message({"no_type": 1}) == UnknownMessage(type="", raw={"no_type": 1})


def test_deduplication_of_rebroadcasts() -> None:
    client = SensingClient("ws://127.0.0.1:1/ws/sensing", deduplicate=True)
    first = '{"type":"sensing_update","tick":5,"timestamp":10.5,"source":"esp32"}'
    repeat = '{"type":"sensing_update","tick":5,"timestamp":10.5,"source":"esp32:offline"}'
    assert isinstance(client._decode(first), SensingUpdate)
    assert client._decode(repeat) is None
    assert client._decode("not json") is None
    assert isinstance(
        client._decode('{"type":"sensing_update","tick":6,"timestamp":10.6}'), SensingUpdate
    )


def test_backoff_is_capped_exponential_with_jitter() -> None:
    client = SensingClient(
        "ws://127.0.0.1:1/ws/sensing", initial_backoff_s=0.5, max_backoff_s=4.0, jitter=0.5
    )
    for attempt, cap in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (10, 4.0)]:
        delays = [client.backoff_delay(attempt) for _ in range(200)]
        assert all(cap * 0.5 <= d <= cap for d in delays)
        assert max(delays) - min(delays) > 0.1 * cap
    with pytest.raises(ValueError):
        SensingClient("ws://x", jitter=1.5)
    with pytest.raises(ValueError):
        SensingClient("ws://x", initial_backoff_s=2.0, max_backoff_s=1.0)


def test_http_base_from_ws_url() -> None:
    assert SensingClient("ws://localhost:8080/ws/sensing").http_url == "http://localhost:8080"
    assert SensingClient("wss://h:9/ws/sensing").http_url == "https://h:9"
    with pytest.warns(DeprecationWarning):
        explicit = SensingClient("ws://h:8765/ws/sensing", http_url="http://h:8080/")
    assert explicit.http_url == "http://h:8080"
