"""Bounded file reads for user-supplied paths (a device or a huge file is refused, not read)."""

from __future__ import annotations

import os
import stat

from wifi_densepose.errors import ValidationError


def read_bounded(path: str | os.PathLike[str], limit: int, field: str) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` bytes.

    Raises `ValidationError` naming `field` for a device, a directory, a FIFO or a file longer
    than `limit` bytes (checked before reading and again while reading), so `/dev/zero` or a
    sparse file costs no memory. `OSError` for a missing or unreadable file.
    """
    with open(path, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValidationError(f"{field}: {os.fspath(path)} is not a regular file")
        if info.st_size > limit:
            raise ValidationError(
                f"{field}: {os.fspath(path)} is {info.st_size} bytes, "
                f"more than the limit of {limit}"
            )
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(f"{field}: {os.fspath(path)} is more than the limit of {limit} bytes")
    return data
