"""Every shell command and Python code block of README.md, run from the installed wheel in a
brand-new virtual environment with nothing else: the working directory is an empty temporary
folder, so no example can lean on the checkout.

A block that cannot run there (it installs from PyPI, needs a source checkout, a running
server, an MQTT broker, an extra, or the user's own files) is preceded by a comment
`<!-- readme-test: skip REASON -->` (CONTRIBUTING.md, "README examples"); every other block
runs. Shell blocks run line by line with bash (a line ending in a backslash continues); Python
blocks run as one script each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from fresh_venv import REPO, FreshVenv, run

README = REPO / "README.md"
SKIP = re.compile(r"<!--\s*readme-test:\s*skip\s*(?P<reason>.*?)\s*-->")
FENCE = re.compile(r"^```(?P<language>[A-Za-z]*)\s*$")
RUNNABLE = {"bash", "python"}


@dataclass(frozen=True)
class Block:
    language: str
    code: str
    line: int  # 1-based line of the opening fence
    skip_reason: str | None

    @property
    def id(self) -> str:
        return f"README.md:{self.line} {self.language}"


def readme_blocks(text: str) -> list[Block]:
    """The fenced code blocks of a Markdown text, with the skip reason of the comment on the
    line right before the fence (if any)."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        marker = SKIP.fullmatch(lines[i - 1].strip()) if i > 0 else None
        blocks.append(
            Block(
                language=opening["language"],
                code="\n".join(lines[i + 1 : end]) + "\n",
                line=i + 1,
                skip_reason=marker["reason"] if marker else None,
            )
        )
        i = end + 1
    return blocks


def bare(command: str) -> str:
    """A command without its trailing comment."""
    return re.sub(r"\s+#.*$", "", command)


def shell_commands(code: str) -> list[str]:
    """The commands of a shell block: one per line, backslash continuations joined."""
    commands: list[str] = []
    pending = ""
    for line in code.splitlines():
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        command = (pending + line).strip()
        pending = ""
        if command and not command.startswith("#"):
            commands.append(command)
    return commands


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))
TO_RUN = [b for b in BLOCKS if b.language in RUNNABLE and b.skip_reason is None]

# What some examples must print (beyond exiting 0), from the README's own comments.
EXPECTED_OUTPUT = {
    "wdp demo": ("node 1: 183 frames (64x153, 128x28, 192x2)", "node 2: 185 frames"),
    "wdp witness generate out && wdp witness verify out/witness-bundle-*": ("PASS",),
    "wdp --version": ("wifi-densepose 2.0.0 (core 2.0.0)",),
}
# Printed numbers, to two decimals: the reference signal's breathing and heart rates.
PYTHON_OUTPUT = {
    "amplitude, phase = samples.reference_signal()": [17.95, 72.01],
}


def test_every_readme_block_is_run_or_says_why_not() -> None:
    # Fast structural checks (main suite): the runner finds the blocks, and no block it runs
    # reads files of a checkout.
    assert len(BLOCKS) >= 15
    assert {b.language for b in BLOCKS} <= {"bash", "python"}
    for block in BLOCKS:
        assert block.skip_reason != "", f"{block.id}: a skip needs a reason"
    assert len(TO_RUN) >= 9
    for block in TO_RUN:
        for checkout_path in ("tests/data", "examples/", "crates/", "make "):
            assert checkout_path not in block.code, f"{block.id} uses {checkout_path!r}"
    commands = [bare(c) for b in TO_RUN if b.language == "bash" for c in shell_commands(b.code)]
    assert set(EXPECTED_OUTPUT) <= set(commands)


def test_shell_commands_join_continuations_and_drop_comments() -> None:
    code = "# note\nwdp a \\\n    --b c\n\nwdp d   # trailing\n"
    assert shell_commands(code) == ["wdp a      --b c", "wdp d   # trailing"]
    assert bare("wdp d   # trailing") == "wdp d"


def test_skip_markers_apply_to_the_next_fence_only() -> None:
    text = "<!-- readme-test: skip needs a broker -->\n```bash\na\n```\n```python\nb\n```\n"
    first, second = readme_blocks(text)
    assert (first.skip_reason, first.code) == ("needs a broker", "a\n")
    assert (second.skip_reason, second.line) == (None, 5)


@pytest.mark.packaging
@pytest.mark.parametrize("block", TO_RUN, ids=lambda b: b.id)
def test_readme_block_runs_from_the_installed_wheel(
    installed: FreshVenv, block: Block, tmp_path: Path
) -> None:
    env = {
        "PATH": f"{installed.bin}:/usr/bin:/bin",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "HOME": str(tmp_path),
        "COLUMNS": "200",
    }
    work = tmp_path / "work"
    work.mkdir()
    if block.language == "python":
        result = run([installed.python, "-c", block.code], cwd=work, timeout=300, **env)
        for first_line, numbers in PYTHON_OUTPUT.items():
            if first_line in block.code:
                printed = [round(float(v), 2) for v in result.stdout.split()]
                assert printed == numbers, result.stdout
        return
    for command in shell_commands(block.code):
        result = run(["bash", "-c", command], cwd=work, timeout=300, **env)
        for fragment in EXPECTED_OUTPUT.get(bare(command), ()):
            assert fragment in result.stdout, f"{command}: {result.stdout}"
