"""``CsiCapture``: a CSI file of another tool as numpy arrays (see ``wifi_densepose.io``)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from os import PathLike
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from wifi_densepose._core.io import (
    CSI_FORMATS,
    CsiFileReader,
    intel5300_scaled_csi,
    read_csi_file,
)
from wifi_densepose._core.io import detect_csi_format as _detect
from wifi_densepose.errors import ValidationError

FORMATS: tuple[str, ...] = tuple(CSI_FORMATS)
"""Names of the formats ``open_recording`` reads (``format=`` values besides ``"auto"``)."""


class CsiCapture:
    """CSI frames of one file (or one chunk of it) as arrays.

    ``csi`` is complex128 ``[time, subcarrier, rx, tx]``. For amplitude-only formats
    (``has_phase`` False: ``ruview-v1``) it holds the amplitudes as real numbers with zero
    imaginary part. A file whose frames differ in shape (e.g. Intel 5300 frames with 1, 2 and 3
    transmit streams) is zero-filled to the largest; ``frame_shape[t]`` gives frame ``t``'s own
    ``(subcarriers, rx, tx)``. No value of ``csi`` is NaN.

    ``timestamps_s`` are seconds as the format gives them (``timestamp_doc`` says which clock:
    Unix time for Nexmon, RuView v1 and set ESP32 clocks; the NIC's relative µs clock for
    Intel 5300). ``meta`` maps per-frame metadata names (with units: ``rssi_dbm``,
    ``noise_dbm``, ``agc_db``, ``channel``, ``bandwidth_mhz``, ...) to float64 arrays, NaN where
    a frame lacks the value. ``macs`` lists source MACs (``"aa:bb:cc:dd:ee:ff"``) where the
    format has them, ``perm`` the Intel 5300 antenna permutation ``[time, 3]`` (1-based), and
    ``csi_scaled`` (Intel 5300 only) the CSI scaled to SNR as the tool's ``get_scaled_csi``.
    """

    __slots__ = (
        "_csi_scaled",
        "csi",
        "format",
        "frame_shape",
        "has_phase",
        "macs",
        "meta",
        "perm",
        "timestamp_doc",
        "timestamps_s",
    )

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.format: str = data["format"]
        self.has_phase: bool = data["has_phase"]
        self.timestamp_doc: str = data["timestamp_doc"]
        self.csi: npt.NDArray[np.complex128] = data["csi"]
        self._csi_scaled: npt.NDArray[np.complex128] | None = None
        self.timestamps_s: npt.NDArray[np.float64] = data["timestamps_s"]
        self.frame_shape: npt.NDArray[np.int64] = data["frame_shape"]
        self.meta: dict[str, npt.NDArray[np.float64]] = data["meta"]
        self.macs: list[str] | None = data["macs"]
        self.perm: npt.NDArray[np.uint8] | None = data["perm"]

    @property
    def n_frames(self) -> int:
        return int(self.csi.shape[0])

    @property
    def n_subcarriers(self) -> int:
        return int(self.csi.shape[1])

    @property
    def n_rx(self) -> int:
        return int(self.csi.shape[2])

    @property
    def n_tx(self) -> int:
        return int(self.csi.shape[3])

    @property
    def csi_scaled(self) -> npt.NDArray[np.complex128] | None:
        """Intel 5300 only (else None): the CSI scaled so its power is the SNR, as the Linux
        802.11n CSI Tool's ``get_scaled_csi`` (from each frame's RSSI, AGC and noise);
        computed on first access."""
        if self.format != "intel5300":
            return None
        if self._csi_scaled is None:
            m = self.meta
            self._csi_scaled = intel5300_scaled_csi(
                self.csi,
                self.frame_shape,
                m["rssi_a_db"],
                m["rssi_b_db"],
                m["rssi_c_db"],
                m["agc_db"],
                m["noise_dbm"],
            )
        return self._csi_scaled

    @property
    def rssi_dbm(self) -> npt.NDArray[np.float64] | None:
        """Per-frame RSSI in dBm (Intel 5300: the total, as ``get_total_rss``), or None."""
        return self.meta.get("rssi_dbm")

    @property
    def noise_dbm(self) -> npt.NDArray[np.float64] | None:
        """Per-frame noise floor in dBm, or None."""
        return self.meta.get("noise_dbm")

    @property
    def amplitudes(self) -> npt.NDArray[np.float64]:
        """``|csi|`` ``[time, subcarrier, rx, tx]`` (for amplitude-only formats, the amplitudes)."""
        return np.abs(self.csi)

    def link(
        self, rx: int = 0, tx: int = 0
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.complex128]]:
        """``(timestamps_s, csi[time, subcarrier])`` of one receive/transmit chain pair.

        Frames that lack the chain (``frame_shape``) hold zeros there. For amplitude-only
        captures (``has_phase`` False) the values are real amplitudes.
        """
        for name, value, size in (("rx", rx, self.n_rx), ("tx", tx, self.n_tx)):
            if not 0 <= value < size:
                raise ValidationError(f"{name}: {value} is outside 0..{size - 1}", "Validation")
        return self.timestamps_s, self.csi[:, :, rx, tx]

    def to_dict(
        self, layout: Literal["real_imag", "amplitude_phase"] = "real_imag"
    ) -> dict[str, npt.NDArray[Any]]:
        """Long CSI as ``{column: array}``: one row per frame, rx, tx and subcarrier
        (``frame``, ``timestamp_s``, ``rx``, ``tx``, ``subcarrier``, then ``real``/``imag`` or,
        with ``layout="amplitude_phase"``, ``amplitude``/``phase`` in radians), plus the
        per-frame metadata (``rssi_dbm``, ...) repeated on the frame's rows. Positions outside
        a frame's own shape are left out."""
        from wifi_densepose._tables import capture_columns

        return capture_columns(self, layout)

    def to_pandas(self, layout: Literal["real_imag", "amplitude_phase"] = "real_imag") -> Any:
        """`to_dict(layout)` as a ``pandas.DataFrame``, with a UTC ``time`` column when the
        timestamps are Unix time (needs the ``dataframe`` extra)."""
        from wifi_densepose._tables import frame

        return frame(self.to_dict(layout), "CsiCapture.to_pandas()")

    def to_npz(self, path: str | PathLike[str]) -> None:
        """Writes the capture to ``path`` (numpy ``.npz``): ``csi``, ``timestamps_s``,
        ``frame_shape``, ``format``, ``has_phase``, ``csi_scaled``/``perm``/``macs`` where
        present, and each metadata column as ``meta_<name>``."""
        arrays: dict[str, Any] = {
            "csi": self.csi,
            "timestamps_s": self.timestamps_s,
            "frame_shape": self.frame_shape,
            "format": np.array(self.format),
            "has_phase": np.array(self.has_phase),
        }
        if self.csi_scaled is not None:
            arrays["csi_scaled"] = self.csi_scaled
        if self.perm is not None:
            arrays["perm"] = self.perm
        if self.macs is not None:
            arrays["macs"] = np.array(self.macs)
        for name, values in self.meta.items():
            arrays[f"meta_{name}"] = values
        np.savez(path, **arrays)

    @classmethod
    def concat(cls, chunks: list[CsiCapture]) -> CsiCapture:
        """One capture of consecutive chunks of the same file (``iter_recording``), zero-filled
        to the largest chunk's dimensions; ``ValidationError`` for an empty list."""
        if not chunks:
            raise ValidationError("chunks: need at least one", "Validation")
        dims = tuple(max(c.csi.shape[i] for c in chunks) for i in (1, 2, 3))

        def pad(a: npt.NDArray[np.complex128]) -> npt.NDArray[np.complex128]:
            out = np.zeros((a.shape[0], *dims), dtype=np.complex128)
            out[:, : a.shape[1], : a.shape[2], : a.shape[3]] = a
            return out

        first = chunks[0]
        names = list(dict.fromkeys(name for c in chunks for name in c.meta))
        meta = {
            name: np.concatenate([c.meta.get(name, np.full(c.n_frames, np.nan)) for c in chunks])
            for name in names
        }
        perms = [c.perm for c in chunks]
        macs = [c.macs for c in chunks]
        return cls(
            {
                "format": first.format,
                "has_phase": first.has_phase,
                "timestamp_doc": first.timestamp_doc,
                "csi": np.concatenate([pad(c.csi) for c in chunks]),
                "timestamps_s": np.concatenate([c.timestamps_s for c in chunks]),
                "frame_shape": np.concatenate([c.frame_shape for c in chunks]),
                "meta": meta,
                "macs": None if any(m is None for m in macs) else [x for m in macs if m for x in m],
                "perm": None
                if any(p is None for p in perms)
                else np.concatenate([p for p in perms if p is not None]),
            }
        )

    def window(self, start: float | None = None, end: float | None = None) -> CsiCapture:
        """The frames whose ``timestamps_s`` lie in ``[start, end]`` (seconds on the file's own
        clock, see ``timestamp_doc``; both ends included, None leaves that side open), in file
        order. ``ValidationError`` naming ``start`` or ``end`` for a non-finite bound or an
        end before the start."""
        for name, bound in (("start", start), ("end", end)):
            if bound is not None and not math.isfinite(bound):
                raise ValidationError(f"{name}: must be a finite time, got {bound}", "Validation")
        if start is not None and end is not None and start > end:
            raise ValidationError(f"end: {end} is before start {start}", "Validation")
        keep = np.ones(self.n_frames, dtype=bool)
        if start is not None:
            keep &= self.timestamps_s >= start
        if end is not None:
            keep &= self.timestamps_s <= end
        return CsiCapture(
            {
                "format": self.format,
                "has_phase": self.has_phase,
                "timestamp_doc": self.timestamp_doc,
                "csi": self.csi[keep],
                "timestamps_s": self.timestamps_s[keep],
                "frame_shape": self.frame_shape[keep],
                "meta": {name: values[keep] for name, values in self.meta.items()},
                "macs": None
                if self.macs is None
                else [m for m, k in zip(self.macs, keep.tolist(), strict=True) if k],
                "perm": None if self.perm is None else self.perm[keep],
            }
        )

    def __repr__(self) -> str:
        return (
            f"CsiCapture(format={self.format!r}, n_frames={self.n_frames}, "
            f"n_subcarriers={self.n_subcarriers}, n_rx={self.n_rx}, n_tx={self.n_tx}, "
            f"has_phase={self.has_phase})"
        )


def open_recording(
    path: str | PathLike[str],
    format: str = "auto",
    *,
    chip: str | None = None,
    strict: bool = False,
) -> CsiCapture:
    """Reads a whole CSI file of another tool (``FORMATS``) into a :class:`CsiCapture`.

    ``format="auto"`` detects the format from the file's first bytes; a file no reader accepts
    raises :class:`~wifi_densepose.errors.FormatError` naming every format tried. ``chip``
    (Nexmon: ``"4339"``, ``"43455c0"``, ``"4358"``, ``"4366c0"``) overrides the packets' chip
    field. A malformed file raises ``FormatError`` with the byte offset (and line) of the
    problem. A file that ends inside a frame (a logger stopped mid-write) keeps the frames
    before the cut with a :class:`~wifi_densepose.errors.RecordingWarning`, or raises
    ``FormatError`` (reason ``truncated``) with ``strict=True``. For files too large for memory
    use :func:`iter_recording`.
    """
    return CsiCapture(read_csi_file(path, format, chip=chip, strict=strict))


class CaptureChunks:
    """Iterator of :class:`CsiCapture` chunks of up to ``chunk_frames`` frames each, reading the
    file as it goes; ``position`` and ``size`` (bytes) give the progress."""

    def __init__(self, reader: CsiFileReader) -> None:
        self._reader = reader

    def __iter__(self) -> Iterator[CsiCapture]:
        return self

    def __next__(self) -> CsiCapture:
        return CsiCapture(next(self._reader))

    @property
    def format(self) -> str:
        return self._reader.format

    @property
    def position(self) -> int:
        """Bytes read so far."""
        return self._reader.position

    @property
    def size(self) -> int:
        """The file's size, bytes."""
        return self._reader.size


def iter_recording(
    path: str | PathLike[str],
    format: str = "auto",
    *,
    chip: str | None = None,
    chunk_frames: int = 4096,
    strict: bool = False,
) -> CaptureChunks:
    """Streams a CSI file of another tool in chunks (see :func:`open_recording`, also for
    ``strict``); only one chunk of frames is held in memory at a time. Each chunk's shape is
    the largest of its own frames."""
    return CaptureChunks(
        CsiFileReader(path, format, chip=chip, chunk_frames=chunk_frames, strict=strict)
    )


def detect_format(path: str | PathLike[str]) -> str:
    """The format name of a CSI file, from its first 4,096 bytes; ``FormatError`` (naming
    every format tried) when none fits."""
    return _detect(path)


def is_csi_file(path: str | PathLike[str]) -> bool:
    """Whether `path` is a CSI file of another tool (``FORMATS``, by its first bytes), else
    taken for a ``.csi.jsonl`` recording."""
    from wifi_densepose.errors import FormatError

    try:
        _detect(path)
    except FormatError:
        return False
    return True
