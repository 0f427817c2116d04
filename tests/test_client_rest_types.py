"""`nodes()` of the clients returns what the `NodeStatus` TypedDict describes: checked against
the real server binary with a synthetic node (`--mock-frames`), whose vitals pipeline runs."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
from server_harness import ServerProcess, server_binary, wait_until

from wifi_densepose.client.rest import NodeStatus, NodeVitalSigns, VitalStatusName
from wifi_densepose.vitals import VitalStatus

pytest.importorskip("websockets")
from wifi_densepose.client.ws import SyncSensingClient

__all__ = ["server_binary"]


def test_nodes_match_the_node_status_type(server_binary: Path) -> None:
    with (
        ServerProcess(server_binary, ["--mock-frames"]) as server,
        SyncSensingClient(server.http_url, max_attempts=5) as client,
    ):
        assert wait_until(lambda: any("vital_signs" in n for n in client.nodes()), 20.0)
        nodes = client.nodes()
    required = NodeStatus.__required_keys__
    allowed = required | NodeStatus.__optional_keys__
    assert required == {
        "node_id",
        "status",
        "last_seen_ms",
        "rssi_dbm",
        "motion_level",
        "person_count",
    }
    for node in nodes:
        assert required <= node.keys() <= allowed, node.keys() - allowed
        assert node["status"] in typing.get_args(typing.get_type_hints(NodeStatus)["status"])
    vitals = next(n["vital_signs"] for n in nodes if "vital_signs" in n)
    assert vitals.keys() == typing.get_type_hints(NodeVitalSigns).keys()
    for key in ("breathing_status", "heart_status"):
        assert vitals[key] in typing.get_args(VitalStatusName)
        assert VitalStatus[vitals[key]].name == vitals[key]


def test_status_names_are_the_vital_status_members() -> None:
    assert list(typing.get_args(VitalStatusName)) == [s.name for s in VitalStatus]
