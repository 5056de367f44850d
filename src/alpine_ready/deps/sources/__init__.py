"""The input formats of ``deps``: one module per format, one line each in :data:`SOURCES`.

Each module defines ``SOURCE`` (see :class:`.base.Source`).  The order of
:data:`SOURCES` is the order of preference within an ecosystem and role: in a project
directory the first lockfile found wins (uv.lock over poetry.lock…, package-lock.json
over pnpm-lock.yaml…); without one every manifest is read (requirements files and
pyproject.toml); without those an installed tree (site-packages, node_modules).
:func:`find_inputs` applies that rule for both ecosystems; :func:`parse_file` and
:func:`parse_node_input` read one file the user named; :func:`discover` is the
Python side, parsed.

Adding a format: a module here with its ``SOURCE``, and its line below.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputError, NothingToRead
from ...guard import ProjectBoundary, excerpt, printable
from .. import loader
from ..markers import Environment
from ..node_model import NodeInput
from ..requirement import ParsedInput
from . import (
    bun_lock,
    node_modules,
    package_json,
    package_lock,
    pipfile_lock,
    pnpm_lock,
    poetry_lock,
    poetry_tables,
    pylock,
    pyproject,
    requirements,
    site_packages,
    uv_lock,
    yarn_lock,
)
from .base import Context, Ecosystem, InputFile, Parsed, Role, Source

#: Every input format, in the order of preference (within an ecosystem and a role).
SOURCES: tuple[Source, ...] = (
    uv_lock.SOURCE,
    poetry_lock.SOURCE,
    pylock.SOURCE,
    pipfile_lock.SOURCE,
    requirements.SOURCE,
    pyproject.SOURCE,
    poetry_tables.SOURCE,
    site_packages.SOURCE,
    package_lock.SOURCE,
    pnpm_lock.SOURCE,
    yarn_lock.SOURCE,
    bun_lock.SOURCE,
    package_json.SOURCE,
    node_modules.SOURCE,
)


def _of(ecosystem: Ecosystem | None, role: Role | None = None) -> list[Source]:
    return [
        s
        for s in SOURCES
        if (ecosystem is None or s.ecosystem == ecosystem) and (role is None or s.role == role)
    ]


def names(ecosystem: Ecosystem | None) -> str:
    """The formats of an ecosystem as messages list them (``uv.lock, poetry.lock, …``)."""
    return ", ".join(dict.fromkeys(s.name for s in _of(ecosystem) if s.listed))


@dataclass(frozen=True)
class Found:
    """An input chosen for a check, not yet read: its source, path and notes to add."""

    source: Source
    path: Path
    named: bool
    notes: tuple[str, ...] = ()
    data: bytes | None = None  # read already (to sniff its kind): not read twice

    def parse(self, context: Context, *, notes: bool = True) -> Parsed:
        """Read it (bounded, once); ``notes``: with the notes of its choice at the end."""
        file = InputFile(self.path, named=self.named, data=self.data)
        parsed = self.source.parse(file, context)
        if notes and self.notes:
            parsed = dataclasses.replace(parsed, notes=(*parsed.notes, *self.notes))
        return parsed


def _sniffed(path: Path, ecosystem: Ecosystem | None) -> tuple[Source, InputFile]:
    """The source of a file whose name says nothing, by its first bytes."""
    display = printable(str(path))
    data = loader.read_file(
        path,
        limit=loader.MAX_LOCK_BYTES,
        what="a dependency file",
        display=display,
        allow_special=True,
    )
    head = data[:4096].decode("utf-8", "replace")
    file = InputFile(path, named=True, data=data)
    for source in _of(ecosystem):
        if source.sniff(head) and source.claims(file):
            return source, file
    raise InputError(f"{display}: unrecognised dependency file; expected {names(ecosystem)}")


def source_of(path: Path, ecosystem: Ecosystem | None = None) -> tuple[Source, InputFile]:
    """The source that reads a path the user named: by its name, else by its content.

    Of the sources that know the name, the first that claims the file reads it; when
    none does, the first one (it says why it cannot).
    """
    file = InputFile(path, named=True)
    matching = [s for s in _of(ecosystem) if s.matches(path.name)]
    if not matching:
        if path.is_dir():
            raise InputError(f"{printable(str(path))}: is a directory, not a dependency file")
        return _sniffed(path, ecosystem)
    return next((s for s in matching if s.claims(file)), matching[0]), file


def parse_file(
    path: Path | str,
    env: Environment | None = None,
    *,
    extras: Iterable[str] = (),
    dev: bool = True,
    boundary: ProjectBoundary | None = None,
    named: bool = True,
) -> ParsedInput:
    """Parse one Python dependency file, recognised by its name or, failing that, its content.

    The file is read once (a FIFO or device the user ``named`` too), bounded by the
    size of its kind.
    """
    source, file = source_of(Path(path), "python")
    file.named = named
    got = source.parse(file, Context(env, tuple(extras), dev, boundary))
    assert isinstance(got, ParsedInput)
    return got


def parse_node_input(path: str | Path, *, named: bool = True) -> NodeInput:
    """Parse one Node input by its name (a lockfile, or a ``node_modules`` directory).

    ``named``: the user named ``path`` (a lockfile that is a FIFO or device is read
    too).  A project directory holding ``node_modules`` is its tree.
    """
    p = Path(path)
    if p.name != "node_modules" and node_modules.is_real_dir(str(p / "node_modules")):
        return node_modules.scan_node_modules(p)
    matching = [s for s in _of("node") if s.matches(p.name) and s.role is not Role.MANIFEST]
    if not matching:
        expected = ", ".join(n for s in _of("node", Role.LOCKFILE) for n in s.names)
        raise InputError(
            f"{printable(str(p))}: not a recognised Node input (expected "
            f"{expected} or node_modules)"
        )
    got = matching[0].parse(InputFile(p, named=named), Context())
    assert isinstance(got, NodeInput)
    return got


# --------------------------------------------------------------------------- discovery


def _check(boundary: ProjectBoundary, path: Path) -> Path:
    boundary.check(path, printable(str(path)))
    return path


def _lockfile_notes(
    ecosystem: Ecosystem, directory: Path, chosen: Path, others: Sequence[Path], context: Context
) -> tuple[str, ...]:
    """What a winning lockfile's input says of the files it left unread."""
    if ecosystem == "python":
        manifests = [p for s in _of("python", Role.MANIFEST) for p in s.find(directory, context)]
        ignored = [p.name for p in dict.fromkeys((*others, *manifests))]
        return (
            (
                f"using {chosen.name} (exact versions of the full dependency set); "
                f"not read: {excerpt(', '.join(ignored), 400)}",
            )
            if ignored
            else ()
        )
    notes = (
        [f"using {chosen.name}; not read: {', '.join(p.name for p in others)}"] if others else []
    )
    if any(s.find(directory, context) for s in _of("node", Role.INSTALLED)):
        notes.append(
            "node_modules not checked (the lockfile decides what npm ci installs "
            "on Alpine); pass PATH/node_modules to check the installed tree"
        )
    return tuple(notes)


def _choose(
    directory: Path, ecosystem: Ecosystem, context: Context, boundary: ProjectBoundary
) -> list[Found]:
    """The inputs of one ecosystem in a project directory (see the module's rule)."""
    locks = [(s, p) for s in _of(ecosystem, Role.LOCKFILE) for p in s.find(directory, context)]
    if locks:
        source, chosen = locks[0]
        _check(boundary, chosen)
        others = list(dict.fromkeys(p for _s, p in locks[1:]))
        return [
            Found(
                source,
                chosen,
                False,
                _lockfile_notes(ecosystem, directory, chosen, others, context),
            )
        ]
    manifests = [(s, p) for s in _of(ecosystem, Role.MANIFEST) for p in s.find(directory, context)]
    files: dict[Path, InputFile] = {}
    chosen_manifests: list[Found] = []
    for source, path in manifests:
        if path not in files:
            files[path] = InputFile(_check(boundary, path), named=False)
        if source.claims(files[path]):
            chosen_manifests.append(Found(source, path, False))
    if chosen_manifests:
        return chosen_manifests
    for source in _of(ecosystem, Role.INSTALLED):
        for path in source.find(directory, context):
            return [Found(source, path, path == directory)]
    if manifests:  # none claims it (a pyproject without [project]): it says why
        source, path = manifests[0]
        return [Found(source, path, False)]
    return []


def find_inputs(path: Path, context: Context) -> dict[Ecosystem, list[Found]]:
    """The inputs of a path, per ecosystem: a file or tree named, or a project's.

    A file found in a directory must lie inside the boundary (default: the project
    around ``path``); one that leads outside is an :class:`InputError`.
    """
    if not path.exists():
        raise InputError(f"{printable(str(path))}: no such file or directory")
    boundary = context.boundary or loader.project_of(path)
    if path.is_file() or any(s.matches(path.name) for s in _of(None, Role.INSTALLED)):
        source, file = source_of(path)
        return {
            "python": [],
            "node": [],
            source.ecosystem: [Found(source, path, True, data=file.data)],
        }
    return {eco: _choose(path, eco, context, boundary) for eco in ("python", "node")}


def discover(
    path: Path | str,
    env: Environment | None = None,
    *,
    extras: Iterable[str] = (),
    dev: bool = True,
    boundary: ProjectBoundary | None = None,
) -> list[ParsedInput]:
    """Find and parse the Python inputs of a project directory, or parse one file.

    In a directory a lockfile wins (the first of uv.lock, poetry.lock, pylock.toml,
    pylock.*.toml, Pipfile.lock): it gives exact versions of the whole transitive set,
    so requirements files and pyproject.toml are then not read and a note says so.
    Otherwise every top-level ``requirements*.txt`` (those not included by another)
    and a ``pyproject.toml`` with PEP 621 or Poetry dependencies are parsed.
    :class:`NothingToRead` when there is none.
    """
    path = Path(path)
    context = Context(env, tuple(extras), dev, boundary or loader.project_of(path), sites=())
    if path.is_file():
        return [parse_file(path, env, extras=extras, dev=dev, boundary=context.boundary)]
    found = find_inputs(path, context)["python"]
    if not found:
        raise NothingToRead(
            f"{printable(str(path))}: no Python dependency file found ({names('python')})"
        )
    return parse_python(found, context)


def parse_python(found: Sequence[Found], context: Context) -> list[ParsedInput]:
    """Parse the Python inputs chosen; a file another one includes is read once."""
    parsed = [p for f in found if isinstance(p := f.parse(context), ParsedInput)]
    included = {i for p in parsed for i in p.includes}
    return [p for p in parsed if str(Path(p.path).resolve()) not in included]
