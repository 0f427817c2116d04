"""Stubs of `wifi_densepose._core.witness`: feature hashes, bundles, verification."""

from collections.abc import Iterable, Mapping
from os import PathLike
from pathlib import Path
from typing import (
    ClassVar,
    Final,
    final,
)

from wifi_densepose._core import _ArrayLike

WITNESS_REFERENCE_SHA256: Final[str]
WITNESS_SCHEMA: Final[str]

@final
class VerificationCheck:
    @property
    def name(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def detail(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class VerificationResult:
    @property
    def verdict(self) -> str: ...
    @property
    def passed(self) -> bool: ...
    @property
    def detail(self) -> str: ...
    @property
    def checks(self) -> list[VerificationCheck]: ...
    @property
    def computed_hash(self) -> str | None: ...
    def __bool__(self) -> bool: ...

def witness_feature_hash(
    frames: Iterable[Mapping[str, _ArrayLike]],
    *,
    sampling_rate_hz: float = 100.0,
    frequency_hz: float = 5.21e9,
    bandwidth_hz: float = 17.5e6,
) -> str: ...
def witness_generate_bundle(
    out_dir: str | PathLike[str],
    reference: bytes,
    *,
    sign_key: bytes | str | PathLike[str] | None = None,
    created_at: str | None = None,
) -> Path: ...
def witness_verify_bundle(
    path: str | PathLike[str], public_key: str | bytes | None = None
) -> VerificationResult: ...
def witness_public_key(sign_key: bytes | str | PathLike[str]) -> str: ...
