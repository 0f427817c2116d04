"""``semantic_primitives`` (docs/wire.md §3.10) parsed into typed values, odd content
tolerated."""

from __future__ import annotations

from wifi_densepose.client.messages import (
    SemanticNode,
    SemanticPrimitive,
    SemanticPrimitives,
    UnknownMessage,
    parse_message,
)

# The example of docs/wire.md §3.10.
EXAMPLE = {
    "type": "semantic_primitives",
    "timestamp_s": 1779544860.2,
    "warm_up_s": 60.0,
    "nodes": [
        {
            "node_id": 1,
            "room": "bedroom",
            "last_sample_s": 1779544860.0,
            "warm_up_remaining_s": 0.0,
            "primitives": [
                {"name": "someone_sleeping", "kind": "binary", "disabled": False,
                 "on": False, "since_s": 1779544860.0},
                {"name": "fall_risk_elevated", "kind": "score", "disabled": False,
                 "score": 0, "since_s": 1779544860.0},
                {"name": "no_movement", "kind": "binary", "disabled": True},
                {"name": "bed_exit", "kind": "event", "disabled": False,
                 "last_event_s": 1779544830.0},
            ],
        }
    ],
}  # fmt: skip


def test_the_documented_example_parses() -> None:
    message = parse_message(EXAMPLE)
    assert isinstance(message, SemanticPrimitives)
    assert (message.type, message.timestamp_s, message.warm_up_s) == (
        "semantic_primitives",
        1779544860.2,
        60.0,
    )
    (node,) = message.nodes
    assert (node.node_id, node.room, node.warm_up_remaining_s) == (1, "bedroom", 0.0)
    assert not node.warming_up
    assert node.primitives == (
        SemanticPrimitive("someone_sleeping", "binary", False, False, None, 1779544860.0, None),
        SemanticPrimitive("fall_risk_elevated", "score", False, None, 0, 1779544860.0, None),
        SemanticPrimitive("no_movement", "binary", True, None, None, None, None),
        SemanticPrimitive("bed_exit", "event", False, None, None, None, 1779544830.0),
    )
    assert message.raw["nodes"][0]["room"] == "bedroom"


def test_odd_content_never_raises() -> None:
    message = parse_message(
        {
            "type": "semantic_primitives",
            "timestamp_s": "soon",
            "nodes": [
                "garbage",
                {"warm_up_remaining_s": 12.5, "primitives": [None, {"name": 3, "score": "x"}]},
            ],
        }
    )
    assert isinstance(message, SemanticPrimitives)
    assert (message.timestamp_s, message.warm_up_s) == (None, None)
    assert message.nodes == (
        SemanticNode(
            node_id=None,
            room=None,
            last_sample_s=None,
            warm_up_remaining_s=12.5,
            primitives=(SemanticPrimitive("", "", False, None, None, None, None),),
        ),
    )
    assert message.nodes[0].warming_up
    assert isinstance(parse_message({"type": "semantic_primitive"}), UnknownMessage)
