"""The load step: Alpine's own musl loader on every ELF file, in one sandbox.

One ``/bin/sh`` script (the system's busybox) loops over a list of files and runs
``/lib/ld-musl-<arch>.so.1 --list FILE`` on each: the loader maps the file and
every library it needs, relocates them and exits before any constructor runs.  Each
file's output (bounded, :data:`PER_FILE_BYTES`) and exit status come back between
separator lines that carry a random token, so nothing a file prints can forge them.
For an executable whose PT_INTERP is named, the script also says whether that
interpreter exists in the system (``--list`` ignores PT_INTERP; a real start needs it).

Where the system has the interpreter, Python extension modules are imported and Node
addons ``require()``-d the same way (one script, one interpreter process per file).
"""

from __future__ import annotations

import re
import secrets
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

LIST_LINES = 40  # error lines kept per file in the report

_MISSING = re.compile(r"^Error loading shared library (.+?): (.+) \(needed by (.+)\)$")
_UNRESOLVED = re.compile(r"^Error relocating (.+?): (.+): symbol not found$")
_BADREL = re.compile(r"^Error relocating (.+?): unsupported relocation type (\d+)$")
_STATIC = "Not a valid dynamic program"


@dataclass
class Observation:
    """What the loader printed for one file."""

    rc: int | None = None
    interpreter_present: bool | None = None
    missing: set[tuple[str, str]] = field(default_factory=set)  # (name, needed by)
    unresolved: set[tuple[str, str]] = field(default_factory=set)  # (object, symbol)
    bad: set[tuple[str, int]] = field(default_factory=set)  # (object, type)
    errors: list[str] = field(default_factory=list)  # the loader's error lines
    static: bool = False
    truncated: bool = False
    # the same file loaded the way gcompat's loader stub starts it (libgcompat preloaded)
    stub: Observation | None = None


@dataclass(frozen=True)
class Job:
    """One file to load: its path in the sandbox and its PT_INTERP (if any).

    ``preload``: for a glibc executable on a system with gcompat, the library
    gcompat's loader stub preloads; the file is then loaded a second time that way
    (when its PT_INTERP, the stub, exists), as the kernel would start it.
    """

    path: str
    interpreter: str | None = None
    preload: str | None = None


def _q(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def loader_script(loader: str, token: str) -> str:
    """The script: reads ``path<TAB>interp<TAB>preload`` lines from the list file $1.

    The loader writes straight to the output (no process per file besides it): the
    sandbox's output limit bounds the whole step, and :func:`parse` keeps at most
    :data:`LIST_LINES` lines per file.
    """
    return f"""#!/bin/sh
unset LD_LIBRARY_PATH LD_PRELOAD
T='{token}'
L={_q(loader)}
TAB=$(printf '\\t')
while IFS="$TAB" read -r f i p; do
  echo "@@$T begin $f"
  if [ -n "$i" ]; then
    if [ -e "$i" ]; then echo "@@$T interp yes"; else echo "@@$T interp no"; fi
  fi
  "$L" --list "$f" 2>&1
  rc=$?
  if [ -n "$p" ] && [ -e "$i" ] && [ -e "$p" ]; then
    echo
    echo "@@$T stub"
    "$L" --preload "$p" --list "$f" 2>&1
    s=$?
    echo
    echo "@@$T stub-end $s"
  fi
  echo
  echo "@@$T end $rc"
done <"$1"
"""


def list_text(jobs: Iterable[Job]) -> str:
    """The list file: one ``path<TAB>interp<TAB>preload`` line per job (no newline or tab)."""
    return "".join(f"{j.path}\t{j.interpreter or ''}\t{j.preload or ''}\n" for j in jobs)


def listable(path: str) -> bool:
    """Can the path go in the list (one line, no tab)?"""
    return "\n" not in path and "\t" not in path and "\r" not in path


def new_token() -> str:
    """A separator token no file can guess."""
    return secrets.token_hex(12)


def parse(output: str, token: str) -> dict[str, Observation]:
    """The script's output, per file."""
    begin, end, interp = f"@@{token} begin ", f"@@{token} end ", f"@@{token} interp "
    stub, stub_end = f"@@{token} stub", f"@@{token} stub-end "
    out: dict[str, Observation] = {}
    cur: Observation | None = None
    head: Observation | None = None  # the file's own observation while its stub run is read
    for line in output.splitlines():
        if line.startswith(begin):
            cur = head = out[line[len(begin) :]] = Observation()
            continue
        if cur is None:
            continue
        if line == stub and head is not None:
            cur = head.stub = Observation()
            continue
        if line.startswith(stub_end) and head is not None:
            cur.rc = _int(line[len(stub_end) :])
            cur = head
            continue
        if line.startswith(end):
            cur.rc = _int(line[len(end) :])
            cur = head = None
            continue
        if line.startswith(interp):
            cur.interpreter_present = line[len(interp) :] == "yes"
            continue
        _line(cur, line)
    if cur is not None:  # the output stopped inside a file: the limit
        cur.truncated = True
    return out


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _line(cur: Observation, line: str) -> None:
    if not line.strip() or line.startswith("\t"):
        return  # a "name => path (address)" line of a successful --list
    if m := _MISSING.match(line):
        cur.missing.add((m.group(1), m.group(3)))
    elif m := _BADREL.match(line):
        cur.bad.add((m.group(1), int(m.group(2))))
    elif m := _UNRESOLVED.match(line):
        cur.unresolved.add((m.group(1), m.group(2)))
    elif _STATIC in line:
        cur.static = True
    if len(cur.errors) < LIST_LINES:
        cur.errors.append(line)


def pt_interp(path: Path) -> str | None:
    """The PT_INTERP of a 64-bit little-endian ELF file (None: none, or not readable)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(64)
            if len(head) < 64 or head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
                return None
            (phoff,) = struct.unpack_from("<Q", head, 32)
            phentsize, phnum = struct.unpack_from("<HH", head, 54)
            if phentsize < 56 or phnum > 4096:
                return None
            fh.seek(phoff)
            table = fh.read(phentsize * phnum)
            for n in range(len(table) // phentsize):
                (ptype,) = struct.unpack_from("<I", table, n * phentsize)
                if ptype == 3:  # PT_INTERP
                    (off,) = struct.unpack_from("<Q", table, n * phentsize + 8)
                    (size,) = struct.unpack_from("<Q", table, n * phentsize + 32)
                    fh.seek(off)
                    raw = fh.read(min(size, 4096))
                    return raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape") or None
    except (OSError, struct.error):
        return None
    return None


# -- Python extension modules and Node addons -------------------------------------------

_PY_IMPORT = (
    "import importlib.util,sys\n"
    "p=sys.argv[1]\n"
    "n=p.rsplit('/',1)[-1].split('.',1)[0]\n"
    "s=importlib.util.spec_from_file_location(n,p)\n"
    "m=importlib.util.module_from_spec(s)\n"
    "s.loader.exec_module(m)\n"
)
_NODE_REQUIRE = "require(process.argv[1])"


def import_script(token: str, python: str | None, node: str | None) -> str:
    """Import each ``python<TAB>path`` / ``node<TAB>path`` line of the list file $1."""
    return f"""#!/bin/sh
T='{token}'
TAB=$(printf '\\t')
O=/tmp/.ar-verify-import
while IFS="$TAB" read -r r f; do
  echo "@@$T begin $f"
  case "$r" in
    python) {_q(python or "false")} -c {_q(_PY_IMPORT)} "$f" >"$O" 2>&1 ;;
    node) {_q(node or "false")} -e {_q(_NODE_REQUIRE)} "$f" >"$O" 2>&1 ;;
  esac
  rc=$?
  tail -c 4096 "$O"
  echo
  echo "@@$T end $rc"
done <"$1"
rm -f "$O"
"""


def parse_imports(output: str, token: str) -> dict[str, tuple[int | None, str]]:
    """Per file: (exit status, the last non-empty line it printed)."""
    begin, end = f"@@{token} begin ", f"@@{token} end "
    out: dict[str, tuple[int | None, str]] = {}
    path: str | None = None
    last = ""
    for line in output.splitlines():
        if line.startswith(begin):
            path, last = line[len(begin) :], ""
        elif path is not None and line.startswith(end):
            try:
                rc: int | None = int(line[len(end) :])
            except ValueError:
                rc = None
            out[path] = (rc, last)
            path = None
        elif path is not None and line.strip():
            last = line.strip()
    if path is not None:
        out[path] = (None, last or "the output stopped (a limit)")
    return out
