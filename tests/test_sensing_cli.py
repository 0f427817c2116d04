"""`wdp calibrate`: an empty-room field model from a recording."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from click.testing import CliRunner

from wifi_densepose.cli import main
from wifi_densepose.io import load_recording
from wifi_densepose.sensing import FieldModel

DATA = Path(__file__).resolve().parent / "data"
RECORDING = DATA / "esp32-excerpt.csi.jsonl"


def test_calibrate_writes_a_model_of_every_node(tmp_path: Path) -> None:
    out = tmp_path / "room.json"
    result = CliRunner().invoke(main, ["calibrate", str(RECORDING), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out} (2 links, 64 subcarriers)" in result.output
    model = FieldModel.from_json(out.read_text(encoding="utf-8"))
    assert model.labels == ["1", "2"]
    assert (model.n_links, model.n_subcarriers) == (2, 64)
    # The mean is the per-subcarrier mean amplitude of each node's 64-subcarrier frames.
    rec = load_recording(RECORDING)
    for link, node in enumerate((1, 2)):
        expected = np.abs(rec.csi(node, 64)[1]).mean(axis=0)
        np.testing.assert_allclose(model.mean[link], expected, rtol=1e-12)
        # The null subcarrier 0 is dead: no residual there.
        assert model.residual(link, expected + 1.0)[0] == 0.0


def test_calibrate_one_node_and_errors(tmp_path: Path) -> None:
    out = tmp_path / "room.json"
    result = CliRunner().invoke(
        main, ["calibrate", str(RECORDING), "--out", str(out), "--node", "2"]
    )
    assert result.exit_code == 0, result.output
    assert FieldModel.from_json(out.read_text(encoding="utf-8")).labels == ["2"]
    result = CliRunner().invoke(
        main, ["calibrate", str(RECORDING), "--out", str(out), "--node", "9"]
    )
    assert result.exit_code == 2
    assert "no raw CSI frames for node(s) [9]; nodes with CSI: [1, 2]" in result.output
    # The 128-subcarrier layout has 28 frames on node 1: too few to calibrate.
    result = CliRunner().invoke(
        main, ["calibrate", str(RECORDING), "--out", str(out), "--subcarriers", "128"]
    )
    assert result.exit_code == 1
    assert "links[0] frames: need 256, have 28" in result.output
