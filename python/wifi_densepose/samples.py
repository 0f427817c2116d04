"""Sample data shipped with the package, so every example runs from ``pip install`` alone.

``esp32-excerpt`` is the first 400 lines (8.1 s) of a real two-node ESP32-S3 capture in the
``.csi.jsonl`` recording format: 368 raw CSI frames of 64, 128 and 192 subcarriers (node 1: 183,
node 2: 185) and the nodes' own edge-vitals and feature packets, with its ``.csi.meta.json``
sidecar. It ships xz-compressed (28 KB); ``path()`` writes the plain file once into a per-user
cache directory and returns its path::

    from wifi_densepose import samples
    from wifi_densepose.io import load_recording
    recording = load_recording(samples.path())        # or samples.load()

The capture is RuView's (MIT licence, ``samples.licence()``). ``reference_signal()`` gives
the synthetic reference signal of the witness (10 s at 100 Hz, 18 and 72 per minute) as arrays.
"""

from __future__ import annotations

import hashlib
import lzma
import os
import stat
import sys
import tempfile
from importlib.resources import files
from pathlib import Path

import numpy as np
import numpy.typing as npt

from wifi_densepose import __version__
from wifi_densepose._core.io import Recording, load_recording
from wifi_densepose.errors import NotFoundError, ValidationError
from wifi_densepose.witness._reference import reference_arrays

NAMES: tuple[str, ...] = ("esp32-excerpt",)
"""The names of the bundled samples."""

# SHA-256 of each sample's decompressed recording and of its sidecar.
_CONTENT_SHA256 = {
    "esp32-excerpt": (
        "412f9ed9bb3e26cab4ee1fabb367bbdeb0a2ab8fd509add644f1f8b3c81cde20",
        "3d72bbab755df10a619611466c1e25eb1e0e53b8292da51d6529d2bc7bc8ff00",
    ),
}
_DATA = files("wifi_densepose") / "_samples"
# The largest decompressed sample accepted (the excerpt is 175,362 bytes).
_MAX_SAMPLE_BYTES = 4 * 1024 * 1024


def cache_dir() -> Path:
    """Where ``path()`` writes samples: ``$WIFI_DENSEPOSE_CACHE`` if set, else the user's cache
    directory (``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux, ``~/Library/Caches`` on macOS,
    ``%LOCALAPPDATA%`` on Windows) under ``wifi-densepose/``."""
    override = os.environ.get("WIFI_DENSEPOSE_CACHE")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "wifi-densepose"


def _check_name(name: str) -> tuple[str, str]:
    if name not in _CONTENT_SHA256:
        raise NotFoundError(f"name: no sample {name!r}; the samples are {', '.join(NAMES)}")
    return _CONTENT_SHA256[name]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _has_content(path: Path, digest: str) -> bool:
    """Whether `path` is a regular file (not a link) holding the bytes with this SHA-256."""
    try:
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_SAMPLE_BYTES:
            return False
        return _sha256(path.read_bytes()) == digest
    except OSError:
        return False


def _write_atomically(directory: Path, name: str, data: bytes) -> None:
    """Writes `data` to `directory/name` through a temporary file and a rename, so a reader
    never sees a partial file and concurrent writers do not collide."""
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(temporary, directory / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _usable_dir(directory: Path) -> bool:
    """Creates `directory` (owner-only) if needed; False if it cannot be written or, on POSIX,
    is a link or belongs to another user."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.lstat()
        if not stat.S_ISDIR(info.st_mode):
            return False
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            return False
        return os.access(directory, os.W_OK)
    except OSError:
        return False


def decompressed(name: str = "esp32-excerpt") -> bytes:
    """The bytes of a sample recording (``.csi.jsonl``), decompressed from the package and
    checked against their SHA-256 (``ValidationError`` if the packaged file is damaged)."""
    digest, _ = _check_name(name)
    with lzma.open(_DATA.joinpath(f"{name}.csi.jsonl.xz").open("rb")) as f:
        data = f.read(_MAX_SAMPLE_BYTES + 1)
    if _sha256(data) != digest:
        raise ValidationError(f"name: the packaged sample {name!r} is damaged (SHA-256 mismatch)")
    return data


def path(name: str = "esp32-excerpt") -> Path:
    """The path of a readable copy of the sample recording `name` (``.csi.jsonl``, with its
    ``.csi.meta.json`` sidecar next to it). Written once into ``cache_dir()`` (a directory per
    package version), or into a private temporary directory when that cannot be written; an
    existing copy is used only if its SHA-256 is the packaged one."""
    digest, meta_digest = _check_name(name)
    filename = f"{name}.csi.jsonl"
    meta_name = f"{name}.csi.meta.json"
    directory = cache_dir() / f"samples-{__version__}"
    if not _usable_dir(directory):
        directory = Path(tempfile.mkdtemp(prefix="wifi-densepose-samples-"))
    if not _has_content(directory / filename, digest):
        _write_atomically(directory, filename, decompressed(name))
    if not _has_content(directory / meta_name, meta_digest):
        _write_atomically(directory, meta_name, _DATA.joinpath(meta_name).read_bytes())
    return directory / filename


def load(name: str = "esp32-excerpt") -> Recording:
    """The sample recording `name` loaded with ``wifi_densepose.io.load_recording``."""
    return load_recording(path(name))


def reference_signal() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """RuView's synthetic reference signal, the witness's input: amplitude and phase (radians,
    in [-pi, pi]) as ``[time, antenna, subcarrier]`` arrays of 1,000 x 3 x 56 at 100 Hz
    (10 s); amplitude modulated at 0.3 Hz (18 breaths per minute) and 1.2 Hz (72 per minute),
    no noise. Regenerated bit for bit from its published parameters (no file)."""
    _, amplitude, phase = reference_arrays()
    return amplitude, phase


def licence() -> str:
    """The licence notice of the bundled sample data."""
    return _DATA.joinpath("LICENSE-RuView.txt").read_text(encoding="utf-8")


__all__ = ["NAMES", "cache_dir", "decompressed", "licence", "load", "path", "reference_signal"]
