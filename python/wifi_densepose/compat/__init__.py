"""Help for code written against wifi-densepose 1.x.

:mod:`wifi_densepose.compat.v1` knows every public name of the 1.x package. Importing one raises
:class:`MigrationError`, whose message names the 2.x replacement and the migration guide.
"""

from __future__ import annotations

__all__ = ["MIGRATION_GUIDE_URL", "MigrationError"]

MIGRATION_GUIDE_URL = "https://github.com/ruvnet/wifi-densepose/blob/main/docs/migration.md"


class MigrationError(ImportError):
    """A wifi-densepose 1.x name was imported; the message says what replaces it in 2.x.

    ``v1_name`` is the name that was asked for and ``replacements`` the dotted 2.x names that take
    its place (empty when 2.x has no counterpart).
    """

    def __init__(self, message: str, *, v1_name: str, replacements: tuple[str, ...]) -> None:
        super().__init__(message, name="wifi_densepose.compat.v1")
        self.v1_name = v1_name
        self.replacements = replacements

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (str(self), self.v1_name, self.replacements))


def _rebuild(message: str, v1_name: str, replacements: tuple[str, ...]) -> MigrationError:
    return MigrationError(message, v1_name=v1_name, replacements=replacements)
