"""Debian's whole-RUN idioms, recognised and written the way Alpine's images write them.

* The run-time-dependency idiom: ``savedAptMark="$(apt-mark showmanual)"`` … build …
  ``apt-mark auto '.*'``; ``apt-mark manual $savedAptMark``; ``find … -exec ldd … |
  … | xargs -r dpkg-query --search | … | xargs -r apt-mark manual``; ``apt-get purge -y
  --auto-remove …`` (:func:`find_apt_mark_idiom`) becomes the ``scanelf --needed``
  pipeline giving ``so:`` names, ``apk add --no-network --virtual .rundeps $runDeps`` and
  ``apk del --no-network .build-deps`` (:func:`rundeps_commands`).
* ``dpkg --print-architecture`` becomes ``apk --print-arch``, with the ``case`` arms
  testing it renamed to Alpine's architecture names (:func:`map_case_arms`), or mapped
  back to Debian's names when the value is used for anything else (:func:`debian_arch`).
* GNU-only options of ``tar``, coreutils, findutils, ``grep``, ``sed`` (busybox's
  applets lack them, :func:`gnu_options`).
* A RUN extracting the source archive it downloads (:func:`extracts_download`): Alpine's
  images build it with GNU tar, as Debian's always has.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..dockerfile import SimpleCommand
from ..knowledge.apt import debian_idioms
from .packages import VIRTUAL

RUNDEPS = ".rundeps"
#: Programs of the ``ldd | dpkg-query --search | apt-mark manual`` pipeline.
_IDIOM_PROGRAMS = frozenset(
    {"apt-mark", "[", "test", "find", "awk", "sort", "xargs", "dpkg-query", "cut", "grep", "sed"}
    | {"tr", "ldd", "true", "readlink", "tee"}
)


@dataclass(frozen=True)
class AptMarkIdiom:
    """Where the ``savedAptMark`` … ``apt-get purge --auto-remove`` idiom is in a RUN."""

    saved: SimpleCommand | None  # ``savedAptMark="$(apt-mark showmanual)"``
    saved_inner: tuple[SimpleCommand, ...]  # the commands of its substitution
    first: SimpleCommand  # ``apt-mark auto '.*'``: the block replaced starts here
    covered: tuple[SimpleCommand, ...]  # the block's other commands, up to the purge
    last: SimpleCommand  # ``apt-get purge -y --auto-remove``
    root: str  # the directory whose programs' libraries were kept


def _is_autoremove(cmd: SimpleCommand) -> bool:
    if cmd.program not in ("apt-get", "apt") or not cmd.args:
        return False
    values = [w.value for w in cmd.args]
    if values[0] == "autoremove":
        return True
    return values[0] in ("purge", "remove") and "--auto-remove" in values


def find_apt_mark_idiom(cmds: Sequence[SimpleCommand]) -> AptMarkIdiom | None:
    """The idiom in a RUN's commands, or None when it is not there as a whole."""
    last_i = next((i for i, c in enumerate(cmds) if _is_autoremove(c)), None)
    if last_i is None:
        return None
    first_i = next(
        (
            i
            for i, c in enumerate(cmds[:last_i])
            if c.program == "apt-mark" and c.args and c.args[0].value == "auto"
        ),
        None,
    )
    if first_i is None:
        return None
    # ``apt-mark showmanual | xargs apt-mark auto``: the same as ``apt-mark auto '.*'``
    if (
        first_i >= 2
        and cmds[first_i].via == "xargs"
        and cmds[first_i - 1].program == "xargs"
        and cmds[first_i - 1].pipe_input
        and cmds[first_i - 2].pipe_output
        and cmds[first_i - 2].program == "apt-mark"
        and [w.value for w in cmds[first_i - 2].args] == ["showmanual"]
    ):
        first_i -= 2
    covered = cmds[first_i + 1 : last_i]
    # a substitution only names files (``ldd "$(php -r '…extension_dir…')"/*.so``)
    if any(c.program not in _IDIOM_PROGRAMS and not c.in_substitution for c in covered):
        return None
    if not any(c.program == "apt-mark" or c.via == "xargs" for c in covered):
        return None
    root = "/usr/local"
    for c in covered:
        if c.program == "find" and c.args and c.args[0].value.startswith("/"):
            root = c.args[0].value.rstrip("/") or "/"
            break
    saved: SimpleCommand | None = None
    inner: list[SimpleCommand] = []
    for i, c in enumerate(cmds[:first_i]):
        if (
            c.program == "apt-mark"
            and c.in_substitution
            and c.args
            and c.args[0].value == "showmanual"
            and i + 1 < first_i
            and cmds[i + 1].assignments
            and cmds[i + 1].program is None
            and "apt-mark" in cmds[i + 1].raw
        ):
            saved, inner = cmds[i + 1], [c]
            break
    return AptMarkIdiom(saved, tuple(inner), cmds[first_i], tuple(covered), cmds[last_i], root)


def rundeps_commands(root: str) -> list[str]:
    """Alpine's run-time-dependency commands for programs built under ``root``."""
    lib = f"{root.rstrip('/')}/lib/"
    scan = (
        f"scanelf --needed --nobanner --format '%n#p' --recursive {root}"
        " | tr ',' '\\n' | sort -u"
        f' | awk \'system("[ -e {lib}" $1 " ]") == 0 {{ next }} {{ print "so:" $1 }}\''
    )
    return [
        f'runDeps="$({scan})"',
        f"apk add --no-network --virtual {RUNDEPS} $runDeps",
        f"apk del --no-network {VIRTUAL}",
    ]


def debian_arch() -> str:
    """``apk --print-arch`` piped into a ``sed`` printing Debian's name for the architecture."""
    subs = " ".join(
        f"-e 's/^{a}$/{d}/;t'" for d, a in debian_idioms().architectures.items() if a != d
    )
    return f"apk --print-arch | sed {subs}"


_CASE = re.compile(r"\bcase\s+(\"?)\$(?:\{)?(\w+)[^\s\"]*\1\s+in\b")
_ARM = re.compile(
    r"(?P<pre>(?:\bin|;;)(?:[ \t]|\\\r?\n|\r?\n|#[^\n]*\n)*)\(?(?P<pat>[^()\n;#]+?)\)"
)


def arch_variable_uses(text: str, var: str) -> tuple[int, int]:
    """(every use of ``$var`` in ``text``, the uses that are a ``case`` subject or a strip)."""
    uses = len(re.findall(rf"\$\{{?{re.escape(var)}\b", text))
    subjects = sum(1 for m in _CASE.finditer(text) if m.group(2) == var)
    strips = len(re.findall(rf"\b{re.escape(var)}=\"?\$\{{{re.escape(var)}##\*-\}}", text))
    return uses, subjects + strips


def map_case_arms(text: str, var: str) -> list[tuple[int, int, str]]:
    """Edits (offsets in ``text``) renaming the architectures of ``case "$var"`` arms."""
    arches = debian_idioms().architectures
    edits: list[tuple[int, int, str]] = []
    for m in _CASE.finditer(text):
        if m.group(2) != var:
            continue
        end = text.find("esac", m.end())
        if end < 0:
            continue
        for arm in _ARM.finditer(text, m.end() - 2, end):
            start = arm.start("pat")
            pieces = arm.group("pat").split("|")
            new = []
            for p in pieces:
                bare = p.strip().strip("'\"")
                new.append(p.replace(bare, arches[bare]) if bare in arches else p)
            if new != pieces:
                edits.append((start, arm.end("pat"), "|".join(new)))
    return edits


#: an archive's name: ``x.tar.gz``, ``"$P.tar.xz"``, ``go.tgz``
_ARCHIVE = re.compile(r"\.(?:tar(?:\.[A-Za-z0-9]+)?|tgz|tbz2?|txz)(?![A-Za-z0-9])")
_DOWNLOADERS = frozenset({"wget", "curl"})


def _tar_extracts(cmd: SimpleCommand) -> bool:
    """``tar -xzf a.tar.gz``, ``tar xf …``, ``tar --extract --file …`` of an archive name."""
    if (cmd.program or "").rsplit("/", 1)[-1] != "tar":
        return False
    extract = False
    for k, w in enumerate(cmd.args):
        v = w.value
        short = v.startswith("-") and not v.startswith("--") and "x" in v[1:]
        old_style = k == 0 and v.isalpha() and "x" in v  # ``tar xzf file``
        if v in ("--extract", "--get") or short or old_style:
            extract = True
    return extract and any(_ARCHIVE.search(w.raw) for w in cmd.args)


def extracts_download(cmds: Sequence[SimpleCommand]) -> bool:
    """True for a RUN that downloads (wget, curl) and extracts a tar archive with ``tar``."""
    programs = {(c.program or "").rsplit("/", 1)[-1] for c in cmds}
    return bool(programs & _DOWNLOADERS) and any(_tar_extracts(c) for c in cmds)
