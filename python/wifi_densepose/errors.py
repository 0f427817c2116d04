"""The exception hierarchy of wifi_densepose.

Every error raised by the compiled core is an instance of one of these classes. Each carries
``code`` (the Rust variant name, e.g. ``"EmptySignal"``) and ``recoverable`` (whether more or
better data can make the same call succeed). Bad input always raises a ``ValueError`` subclass.
"""

from __future__ import annotations

__all__ = [
    "ComputationError",
    "ConfigError",
    "InsufficientDataError",
    "InternalError",
    "InvalidStateError",
    "LowSignalQualityError",
    "NonFiniteError",
    "NotFoundError",
    "OperationTimeoutError",
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
