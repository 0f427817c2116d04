"""The `.pyi` stubs match the compiled extension, one stub per submodule of `_core`."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import wifi_densepose
from wifi_densepose import _core

STUB_DIR = Path(wifi_densepose.__file__).parent / "_core"


def _submodules() -> dict[str, ModuleType]:
    return {name: value for name, value in vars(_core).items() if isinstance(value, ModuleType)}


def _public(names: set[str]) -> set[str]:
    return {name for name in names if not name.startswith("_")}


def _stub_names(path: Path) -> set[str]:
    """Names a stub file defines at top level (classes, functions, constants)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def test_every_submodule_is_importable_by_its_dotted_name() -> None:
    subs = _submodules()
    assert set(subs) == {"frame", "pose", "utils", "signal", "io", "vitals", "witness", "sensing"}
    for name, module in subs.items():
        assert module.__name__ == f"wifi_densepose._core.{name}"
        assert sys.modules[module.__name__] is module


def test_every_submodule_has_a_stub_and_every_stub_a_submodule() -> None:
    stubs = {path.stem for path in STUB_DIR.glob("*.pyi")} - {"__init__"}
    missing = set(_submodules()) - stubs
    assert not missing, f"submodules of _core without a stub in {STUB_DIR}: {sorted(missing)}"
    assert stubs == set(_submodules()), f"stubs without a submodule: {sorted(stubs)}"


def test_each_stub_declares_exactly_its_submodules_names() -> None:
    # stubtest does not report runtime names missing from a submodule stub here (the classes'
    # `__module__` is `wifi_densepose._core`), so the names are compared directly.
    flat = _public(set(vars(_core))) - set(_submodules())
    seen: set[str] = set()
    for name, module in _submodules().items():
        runtime = _public(set(vars(module)))
        stub = _public(_stub_names(STUB_DIR / f"{name}.pyi"))
        assert runtime == stub, (
            f"{name}: not in stub {sorted(runtime - stub)}, not at runtime {sorted(stub - runtime)}"
        )
        for attr in runtime:
            assert getattr(module, attr) is getattr(_core, attr)
        assert not runtime & seen, f"{name}: names also in another submodule"
        seen |= runtime
    assert seen == flat, f"flat names of _core in no submodule: {sorted(flat - seen)}"


def test_stubtest_finds_no_inconsistency() -> None:
    # stubtest checks the package stub and, through it, every submodule stub in `_core/`.
    modules = ["wifi_densepose._core"]
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", *modules],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout
