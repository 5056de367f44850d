"""``package.json`` without a lockfile: it names ranges, not versions -- nothing to check.

In a project directory with no Node lockfile and no ``node_modules`` it becomes an
input with no packages and a note saying how to get a lockfile; named on its own it
is an :class:`~alpine_ready.errors.InputError` saying the same.
"""

from __future__ import annotations

from typing import ClassVar

from ...errors import InputError
from ..node_model import NodeInput
from .base import Context, Ecosystem, FileSource, InputFile, Role

NOTE = (
    "package.json without a lockfile: dependencies not checked (run npm install "
    "--package-lock-only, then check again)"
)


class PackageJson(FileSource):
    """A Node project's manifest, read for nothing but to say what is missing."""

    name: ClassVar[str] = "package.json"
    ecosystem: ClassVar[Ecosystem] = "node"
    role: ClassVar[Role] = Role.MANIFEST
    listed: ClassVar[bool] = False
    names: ClassVar[tuple[str, ...]] = ("package.json",)

    def claims(self, file: InputFile) -> bool:
        """Never: it is read only to say why nothing is (after ``node_modules``)."""
        return False

    def parse(self, file: InputFile, context: Context) -> NodeInput:
        """No packages and the note; named alone, an error."""
        if file.named:
            raise InputError(
                f"{file.display}: a package.json alone does not pin versions; "
                f"check its lockfile (npm install --package-lock-only writes "
                f"one)"
            )
        return NodeInput(str(file.path.parent), "package.json", None, (), False, False, (NOTE,))


SOURCE = PackageJson()
