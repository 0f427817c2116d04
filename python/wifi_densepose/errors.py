"""The exception hierarchy of wifi_densepose.

Every error raised by the compiled core is an instance of one of these classes. Each carries
``code`` (the Rust variant name, e.g. ``"EmptySignal"``) and ``recoverable`` (whether more or
better data can make the same call succeed). Bad input always raises a ``ValueError`` subclass.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ComputationError",
    "ConfigError",
    "FormatError",
    "InsufficientDataError",
    "InternalError",
    "InvalidStateError",
    "LowSignalQualityError",
    "NonFiniteError",
    "NotFoundError",
    "OperationTimeoutError",
    "PacketError",
    "RecordingError",
    "RecordingWarning",
    "ShapeError",
    "ValidationError",
    "WifiDenseposeError",
]


class WifiDenseposeError(Exception):
    """Root of every wifi_densepose error."""

    recoverable: bool = False

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code if code is not None else type(self).__name__

    def __reduce__(self) -> tuple[type[WifiDenseposeError], tuple[str, str]]:
        return (type(self), (self.message, self.code))


class ValidationError(WifiDenseposeError, ValueError):
    """An input value is invalid; the message names the field and the value."""


class NonFiniteError(ValidationError):
    """An input contains NaN or ±Inf; the message names the field and the index."""


class ShapeError(ValidationError):
    """An array has the wrong shape, length or dimensionality, or is empty."""


class ConfigError(ValidationError):
    """A configuration value is invalid."""


class InsufficientDataError(WifiDenseposeError, ValueError):
    """More samples are needed than were given."""

    recoverable = True


class ComputationError(WifiDenseposeError, ArithmeticError):
    """A numerical step failed on valid input."""

    recoverable = True


class LowSignalQualityError(WifiDenseposeError):
    """The signal-to-noise ratio is below the required threshold."""

    recoverable = True


class NotFoundError(WifiDenseposeError, LookupError):
    """A named resource does not exist."""


class OperationTimeoutError(WifiDenseposeError, TimeoutError):
    """An operation did not finish in time."""

    recoverable = True


class InvalidStateError(WifiDenseposeError, RuntimeError):
    """An object is not in the state the call requires."""


class InternalError(WifiDenseposeError, RuntimeError):
    """A bug: please report it with the input that triggered it."""


class PacketError(ValidationError):
    """A datagram is not a valid ESP32 packet (docs/wire.md §1.11).

    ``magic`` is the datagram's first four bytes as a little-endian int (``None`` when fewer
    than 4 bytes arrived), ``offset`` the byte offset of the problem and ``reason`` one of
    ``oversize``, ``truncated``, ``bad_magic``, ``zero_antennas``, ``zero_subcarriers``,
    ``length_mismatch``, ``bad_crc``, ``invalid_field``.
    """

    def __init__(
        self,
        message: str,
        code: str | None = None,
        *,
        magic: int | None = None,
        offset: int = 0,
        reason: str = "",
    ) -> None:
        super().__init__(message, code)
        self.magic = magic
        self.offset = offset
        self.reason = reason

    # Pickling keeps the keyword-only attributes, which the base form would drop.
    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.message, self.code, self.__dict__.copy()))


class RecordingError(ValidationError):
    """A bad line of a ``.csi.jsonl`` recording in strict mode (docs/wire.md §2.6).

    ``line`` is the 1-based physical line number, ``reason`` one of ``invalid_json``,
    ``not_object``, ``missing_field``, ``bad_field_type``, ``bad_iq_hex``,
    ``inconsistent_length``, ``bad_features``, and ``path`` the file.
    """

    def __init__(
        self,
        message: str,
        code: str | None = None,
        *,
        line: int = 0,
        reason: str = "",
        path: str | None = None,
    ) -> None:
        super().__init__(message, code)
        self.line = line
        self.reason = reason
        self.path = path

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.message, self.code, self.__dict__.copy()))


class FormatError(ValidationError):
    """A CSI file of another tool that is malformed, or that no reader accepts.

    ``format`` is the format's name (``None`` when no reader accepted the file), ``offset`` the
    byte offset of the problem, ``line`` the 1-based line for text formats (else ``None``),
    ``reason`` one of ``truncated``, ``bad_magic``, ``invalid_field``, ``length_mismatch``,
    ``bad_line`` or ``unrecognized``, ``tried`` the formats tried when none fits, and ``path``
    the file.
    """

    def __init__(
        self,
        message: str,
        code: str | None = None,
        *,
        format: str | None = None,
        offset: int = 0,
        line: int | None = None,
        reason: str = "",
        tried: list[str] | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message, code)
        self.format = format
        self.offset = offset
        self.line = line
        self.reason = reason
        self.tried = tried if tried is not None else []
        self.path = path

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.message, self.code, self.__dict__.copy()))


class RecordingWarning(UserWarning):
    """A bad recording line skipped in lenient mode, a sidecar that disagrees with its data, or a
    CSI file of another tool that ends inside a frame (the frames before it are kept)."""


def _rebuild(
    cls: type[WifiDenseposeError], message: str, code: str, state: dict[str, Any]
) -> WifiDenseposeError:
    error = cls(message, code)
    error.__dict__.update(state)
    return error
