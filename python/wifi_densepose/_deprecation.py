"""Old spellings kept for one minor release: they work and warn with the new spelling."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any, TypeVar

__all__ = ["CallableList", "deprecated_alias", "warn_renamed"]

T = TypeVar("T")


def warn_renamed(old: str, new: str, stacklevel: int = 3) -> None:
    """A `DeprecationWarning`: "`old` is deprecated; use `new`"."""
    warnings.warn(f"{old} is deprecated; use {new}", DeprecationWarning, stacklevel=stacklevel)


class CallableList(list[T]):
    """A list that can still be called: an attribute that was a method in 2.0 and is now a
    property (``result.readings`` instead of ``result.readings()``)."""

    def __init__(self, items: Iterable[T], old: str, new: str) -> None:
        super().__init__(items)
        self._old = old
        self._new = new

    def __call__(self) -> CallableList[T]:
        warn_renamed(self._old, self._new)
        return self


def deprecated_alias(new: str, owner: str) -> Any:
    """A read-only property under an old name that warns and returns attribute `new`."""

    def getter(self: Any) -> Any:
        return getattr(self, new)

    class _Alias:
        def __set_name__(self, cls: type, name: str) -> None:
            self.name = name

        def __get__(self, obj: Any, cls: type | None = None) -> Any:
            if obj is None:
                return self
            warn_renamed(f"{owner}.{self.name}", f"{owner}.{new}", stacklevel=3)
            return getter(obj)

    return _Alias()
