"""Type stubs of the compiled extension `wifi_densepose._core`.

Every binding is a flat attribute of `_core` and also lives in one submodule
(`wifi_densepose._core.vitals`, ...), whose stub is next to this one.
"""

from typing import (
    Any,
    ClassVar,
    Final,
    TypeAlias,
)

import numpy as np
import numpy.typing as npt
from typing_extensions import Self

# Every submodule's names, flat (the runtime `_core` has them as attributes too).
from wifi_densepose._core.frame import *
from wifi_densepose._core.io import *
from wifi_densepose._core.pose import *
from wifi_densepose._core.sensing import *
from wifi_densepose._core.signal import *
from wifi_densepose._core.utils import *
from wifi_densepose._core.vitals import *
from wifi_densepose._core.witness import *

__version__: Final[str]
__core_version__: Final[str]

_FloatArray: TypeAlias = npt.NDArray[np.float64]
_ComplexArray: TypeAlias = npt.NDArray[np.complex128]
_ArrayLike: TypeAlias = npt.ArrayLike
_BoolArray: TypeAlias = npt.NDArray[np.bool_]
_IntArray: TypeAlias = npt.NDArray[np.int64]

# Methods every value type has (dict/JSON/pickle round trips and equality); private
# helper classes of the stubs only.
class _Value:
    def to_dict(self) -> Any: ...
    @classmethod
    def from_dict(cls, data: Any) -> Self: ...
    def to_json(self) -> str: ...
    @classmethod
    def from_json(cls, text: str) -> Self: ...
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

class _HashableValue(_Value):
    def __hash__(self) -> int: ...

class _OrderedValue(_HashableValue):
    def __lt__(self, other: object, /) -> bool: ...
    def __le__(self, other: object, /) -> bool: ...
    def __gt__(self, other: object, /) -> bool: ...
    def __ge__(self, other: object, /) -> bool: ...

class _MutableValue(_Value):
    __hash__: ClassVar[None]  # type: ignore[assignment]
