"""Issue 10, dependency inputs (classes 2, 6, 8, 14b): what ``deps`` reads and how.

Class 2: includes and symlinks that lead out of the project (``-r /proc/self/environ``,
``-r /etc/shadow``, a ``requirements.txt`` or ``pnpm-lock.yaml`` linked to a file of
secrets): one line naming the including file, no secret. Class 6: ``-r /dev/zero``,
``-r /dev/urandom``, a 3,000-deep ``-r`` chain. Class 8: every format 100,000 deep,
with wrong types, as random bytes; an index page and a registry document answering
100,000-deep JSON, tampered cache entries. Class 14b: a 300,000-entry yarn.lock, a
300,000-package pnpm-lock.yaml and a 30 MB package-lock.json, offline; and inputs at
the documented limits (the largest accepted TOML of tiny values, a lockfile of the
most packages). Every case runs offline (``--offline``; answers are planted in the
run's own cache).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
from collections.abc import Callable
from pathlib import Path

from alpine_ready.deps.cache import ResponseCache
from alpine_ready.deps.index import ACCEPT as INDEX_ACCEPT
from alpine_ready.deps.loader import MAX_TOML_ITEMS
from alpine_ready.deps.npm_registry import ACCEPT as NPM_ACCEPT
from alpine_ready.deps.requirement import MAX_PACKAGES
from hostile._case import Case

DEEP = 100_000
SECRET = "HOSTILE_DEPS_SECRET=hunter2-do-not-print"

Check = Callable[[str, str], "str | None"]


def _error(pattern: str, *, absent: tuple[str, ...] = ()) -> Check:
    """Stderr is one ``alpine-ready: error:`` line matching ``pattern``, none of ``absent``."""

    def check(out: str, err: str) -> str | None:
        lines = err.strip("\n").split("\n")
        if len(lines) != 1 or not lines[0].startswith("alpine-ready: error: "):
            return f"not one error line: {err[:200]!r}"
        if not re.search(pattern, lines[0]):
            return f"error does not match {pattern!r}: {lines[0][:200]!r}"
        leaked = [a for a in absent if a in err]
        return f"leaked {leaked[0]!r}" if leaked else None

    return check


def _ran(min_rows: int) -> Check:
    """It ran to the end: the summary line counts at least ``min_rows`` packages."""

    def check(out: str, err: str) -> str | None:
        m = re.search(r"^(\d+) packages:", out, re.M)
        if m is None or int(m[1]) < min_rows:
            return f"no summary of {min_rows}+ packages (stderr {err[-200:]!r})"
        return None

    return check


def _out(pattern: str) -> Check:
    """The report (stdout) says ``pattern``."""

    def check(out: str, err: str) -> str | None:
        return None if re.search(pattern, out) else f"stdout lacks {pattern!r}"

    return check


def _all(*checks: Check) -> Check:
    def check(out: str, err: str) -> str | None:
        return next((m for c in checks if (m := c(out, err))), None)

    return check


def _project(work: Path, name: str, files: dict[str, str | bytes]) -> Path:
    d = work / name
    d.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        p = d / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)
    return d


def _deps(d: Path, target: str, *extra: str) -> list[str]:
    return ["deps", target, "--offline", "--no-resolve", *extra]


# ----------------------------------------------------------------------------- class 2


def _outside(work: Path) -> list[Case]:
    secrets = work / "secrets.txt"
    secrets.write_text(f"{SECRET}\nroot:$6$salt$hash:19000:0:99999:7:::\n")
    cases = []
    d = _project(work, "environ", {"requirements.txt": "flask==3.0.0\n-r /proc/self/environ\n"})
    cases.append(
        Case(
            2,
            "-r /proc/self/environ",
            _deps(d, "requirements.txt"),
            d,
            exits=(2,),
            env={"HOSTILE_DEPS_SECRET": "hunter2-do-not-print"},
            check=_error(
                r"requirements\.txt:2: -r /proc/self/environ: leads outside "
                r"the project",
                absent=("hunter2",),
            ),
        )
    )
    d = _project(work, "shadow", {"requirements.txt": "-c /etc/shadow\n"})
    cases.append(
        Case(
            2,
            "-c /etc/shadow",
            _deps(d, "requirements.txt"),
            d,
            exits=(2,),
            check=_error(r"requirements\.txt:1: -c /etc/shadow: leads outside", absent=("root:",)),
        )
    )
    d = _project(work, "linked-req", {})
    (d / "requirements.txt").symlink_to(secrets)
    cases.append(
        Case(
            2,
            "requirements.txt linked to secrets (dir)",
            _deps(d, "."),
            d,
            exits=(2,),
            untouched=(secrets,),
            check=_error(r"requirements\.txt: leads outside", absent=("hunter2",)),
        )
    )
    d = _project(work, "linked-pnpm", {})
    (d / "pnpm-lock.yaml").symlink_to("/proc/self/environ")
    cases.append(
        Case(
            2,
            "pnpm-lock.yaml linked to /proc/self/environ",
            _deps(d, "."),
            d,
            exits=(2,),
            env={"HOSTILE_DEPS_SECRET": "hunter2-do-not-print"},
            check=_error(r"pnpm-lock\.yaml: leads outside", absent=("hunter2",)),
        )
    )
    d = _project(work, "named-link", {})
    (d / "req.txt").symlink_to(secrets)
    cases.append(
        Case(
            2,
            "a named link to secrets: short excerpt",
            _deps(d, "req.txt"),
            d,
            exits=(2,),
            check=_error(
                r"req\.txt:1: invalid requirement "
                r"'HOSTILE_DEPS_SECRET=hunter2-do-not-print'",
                absent=("root:",),
            ),
        )
    )
    d = _project(work, "long-line", {"requirements.txt": "x" * 100 + "(" * 1_000_000 + "\n"})
    cases.append(
        Case(
            2,
            "a 1 MB unparsable requirement",
            _deps(d, "requirements.txt"),
            d,
            exits=(2,),
            check=_error(r"invalid requirement '.{40}…'"),
        )
    )
    escape = "\x1b[2J\x1b[1;1H"
    d = _project(work, "escape-include", {"requirements.txt": f"-r {escape}base.txt\n"})
    cases.append(
        Case(
            2,
            "-r a name with escape sequences",
            _deps(d, "requirements.txt"),
            d,
            exits=(2,),
            check=_error(r"\\x1b\[2J", absent=("\x1b",)),
        )
    )
    return cases


# ----------------------------------------------------------------------------- class 6


def _devices(work: Path) -> list[Case]:
    cases = []
    for dev in ("/dev/zero", "/dev/urandom"):
        d = _project(work, "dev-" + dev.rsplit("/", 1)[1], {"requirements.txt": f"-r {dev}\n"})
        cases.append(
            Case(
                6,
                f"-r {dev}",
                _deps(d, "requirements.txt"),
                d,
                exits=(2,),
                check=_error(rf"-r {dev}: leads outside"),
            )
        )
    d = _project(work, "dev-inside", {})
    (d / "zero.txt").symlink_to("/dev/zero")
    (d / "requirements.txt").write_text("-r zero.txt\n")
    cases.append(
        Case(
            6,
            "-r a link to /dev/zero inside",
            _deps(d, "requirements.txt"),
            d,
            exits=(2,),
            check=_error(r"leads outside|not a regular file"),
        )
    )
    d = _project(work, "fifo-inside", {"requirements.txt": "-r pipe.txt\n"})
    os.mkfifo(d / "pipe.txt")
    cases.append(
        Case(
            6,
            "-r a FIFO (never blocks)",
            _deps(d, "requirements.txt"),
            d,
            exits=(2,),
            check=_error(r"pipe\.txt.*is a FIFO, not a regular file"),
        )
    )
    d = _project(work, "chain", {f"r{i}.txt": f"-r r{i + 1}.txt\n" for i in range(3000)})
    (d / "r3000.txt").write_text("flask==3.0.0\n")
    cases.append(
        Case(
            6,
            "a 3,000-deep -r chain",
            _deps(d, "r0.txt"),
            d,
            exits=(2,),
            check=_error(r"nested deeper than 32 files"),
        )
    )
    d = _project(work, "cycle", {"a.txt": "-r b.txt\n", "b.txt": "-c a.txt\n"})
    cases.append(
        Case(
            6, "an include cycle", _deps(d, "a.txt"), d, exits=(2,), check=_error(r"include cycle")
        )
    )
    d = _project(work, "fan", {"requirements.txt": "".join(f"-r f{i}.txt\n" for i in range(2000))})
    for i in range(2000):
        (d / f"f{i}.txt").write_text(f"pkg{i}==1.0\n")
    cases.append(
        Case(
            6,
            "2,000 included files",
            _deps(d, "requirements.txt"),
            d,
            exits=(2,),
            check=_error(r"more than 256 requirements files"),
        )
    )
    return cases


# ----------------------------------------------------------------------------- class 8


def _deep_json(inner: str) -> str:
    return "[" * DEEP + inner + "]" * DEEP


#: formats whose readers treat a field of the wrong type as absent (npm's own rule)
_LENIENT = ("package-lock.json", "yarn.lock")


def _formats(work: Path) -> list[Case]:
    rnd = random.Random(10)
    junk = bytes(rnd.getrandbits(8) for _ in range(1 << 20))
    deep_toml = "[" * DEEP + "]" * DEEP
    inputs: dict[str, dict[str, str | bytes]] = {
        "package-lock.json": {
            "deep": '{"lockfileVersion": 3, "packages": ' + _deep_json("") + "}",
            "types": json.dumps(
                {
                    "lockfileVersion": 3,
                    "packages": {
                        "node_modules/a": {
                            "version": 5,
                            "os": {"x": 1},
                            "libc": [1, None],
                            "optionalDependencies": [1],
                        },
                        "node_modules/b": [1],
                        "": 3,
                    },
                }
            ),
        },
        "Pipfile.lock": {
            "deep": '{"_meta": {}, "default": ' + _deep_json("") + "}",
            "types": json.dumps(
                {
                    "_meta": {"sources": [1, {"name": 3, "url": []}]},
                    "default": {"a": {"version": 5}, "b": {"version": "==1", "hashes": "x"}},
                }
            ),
        },
        "pnpm-lock.yaml": {
            "deep": "lockfileVersion: '9.0'\npackages:\n  a@1:\n    resolution: "
            + "{a: " * DEEP
            + "b"
            + "}" * DEEP
            + "\n",
            "types": "lockfileVersion: [1]\npackages:\n  a@1: [x]\n  b@1:\n    os: {a: b}\n",
        },
        "yarn.lock": {
            "deep": '__metadata:\n  version: 8\n"a@npm:1":\n  x: ' + "[" * DEEP + "]" * DEEP + "\n",
            "types": '__metadata: [1]\n"a@npm:1":\n  version: [1]\n  conditions: {a: b}\n',
        },
        "pyproject.toml": {
            "deep": "[project]\nname = 'x'\ndependencies = " + deep_toml + "\n",
            "types": "[project]\nname = 'x'\ndependencies = [1, {a = 2}]\n"
            "optional-dependencies = 3\n",
        },
        "uv.lock": {
            "deep": "version = 1\n[[package]]\nname = 'a'\nwheels = " + deep_toml + "\n",
            "types": "version = 1\n[[package]]\nname = 'a'\nversion = [1]\nsource = 3\n"
            "[[package]]\nname = 2\n",
        },
        "poetry.lock": {
            "deep": "[metadata]\n[[package]]\nname = 'a'\nversion = '1'\nfiles = "
            + deep_toml
            + "\n",
            "types": "[metadata]\n[[package]]\nname = 'a'\nversion = 1\nfiles = 'x'\n",
        },
        "pylock.toml": {
            "deep": "lock-version = '1.0'\n[[packages]]\nname = 'a'\nwheels = " + deep_toml + "\n",
            "types": "lock-version = '1.0'\n[[packages]]\nname = 'a'\nwheels = [3]\nmarker = 5\n",
        },
    }
    cases = []
    for fname, variants in inputs.items():
        for kind, content in (*variants.items(), ("random bytes", junk)):
            d = _project(work, f"{fname}-{kind}".replace(" ", "-"), {fname: content})
            what = {"deep": f"{DEEP:,} deep", "types": "wrong types"}.get(kind, kind)
            lenient = kind == "types" and fname in _LENIENT
            cases.append(
                Case(
                    8,
                    f"{fname}, {what}",
                    _deps(d, fname),
                    d,
                    exits=(0, 1, 2) if lenient else (2,),
                    check=None if lenient else _error(r": "),
                )
            )
    return cases


def _plant(cache_root: Path, url: str, accept: str, body: bytes) -> Path:
    cache = ResponseCache(cache_root)
    cache.put(
        url,
        accept,
        body,
        {
            "content-type": "application/vnd.pypi.simple.v1+json"
            if accept == INDEX_ACCEPT
            else "application/json"
        },
    )
    return cache.path(url, accept)


def _answers(work: Path) -> list[Case]:
    """Planted answers: the runner's cache is work/cache (XDG_CACHE_HOME)."""
    index = work / "cache" / "alpine-ready" / "index"
    npm = work / "cache" / "alpine-ready" / "npm"
    deep = _deep_json("").encode()
    _plant(index, "https://pypi.org/simple/deepjson/", INDEX_ACCEPT, deep)
    _plant(npm, "https://registry.npmjs.org/deepdoc/1.0.0", NPM_ACCEPT, deep)
    cases = []
    d = _project(work, "index-deep", {"requirements.txt": "deepjson==1.0\n"})
    cases.append(
        Case(
            8,
            "an index page 100,000 deep (cached)",
            _deps(d, "requirements.txt"),
            d,
            exits=(0, 1),
            check=_all(
                _ran(1),
                _out(
                    r"not valid JSON \(line 1: "
                    r"nested\s+deeper than 256"
                ),
            ),
        )
    )
    lock = {
        "lockfileVersion": 3,
        "packages": {
            "": {},
            "node_modules/deepdoc": {"version": "1.0.0", "hasInstallScript": True},
        },
    }
    d = _project(work, "npm-deep", {"package-lock.json": json.dumps(lock)})
    cases.append(
        Case(
            8,
            "a registry document 100,000 deep (cached)",
            _deps(d, "package-lock.json"),
            d,
            exits=(0, 1),
            check=_ran(1),
        )
    )
    # tampered entries: a symlink to /dev/zero, garbage, a deep metadata line
    for name, how in (("linkzero", "link"), ("garbage", "garbage"), ("deepmeta", "meta")):
        p = _plant(index, f"https://pypi.org/simple/{name}/", INDEX_ACCEPT, b"{}")
        p.unlink()
        if how == "link":
            p.symlink_to("/dev/zero")
        elif how == "garbage":
            p.write_bytes(bytes(range(256)) * 100)
        else:
            p.write_bytes(deep + b"\n{}")
    d = _project(work, "tampered", {"requirements.txt": "linkzero==1\ngarbage==1\ndeepmeta==1\n"})
    cases.append(
        Case(
            8,
            "tampered cache entries (link, garbage, deep)",
            _deps(d, "requirements.txt"),
            d,
            exits=(0, 1),
            check=_ran(3),
        )
    )
    return cases


# ----------------------------------------------------------------------------- class 14b


# The big inputs are written piece by piece: the runner forks every case from this
# process, and a child's peak RSS counts what the parent held when it forked.


def _yarn_v1(path: Path, n: int) -> None:
    rnd = random.Random(14)
    with path.open("w") as f:
        f.write("# yarn lockfile v1\n\n")
        for i in range(n):
            libc = "musl" if i % 100 else "gnu"
            name = f"pkg-{i}" if i % 50 else f"@s{i % 7}/native-linux-x64-{libc}-{i}"
            v = f"1.0.{i % 10}"
            f.write(
                f'"{name}@^{v}":\n  version "{v}"\n  resolved "https://registry.yarnpkg'
                f".com/{name}/-/{name.rsplit('/', 1)[-1]}-{v}.tgz#"
                f'{rnd.getrandbits(160):040x}"\n'
            )
            if i % 3 == 0:
                f.write(f'  dependencies:\n    pkg-{(i + 1) % n} "^1.0.0"\n')
            f.write("\n")


def _pnpm(path: Path, n: int) -> None:
    with path.open("w") as f:
        f.write(
            "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n"
            "      pkg-0:\n        specifier: 1.0.0\n        version: 1.0.0\n\n"
            "packages:\n\n"
        )
        for i in range(n):
            f.write(f"  pkg-{i}@1.0.0:\n    resolution: {{integrity: sha512-{i:086d}==}}\n\n")
        f.write("snapshots:\n\n")
        for i in range(n):
            f.write(f"  pkg-{i}@1.0.0:\n    dependencies:\n      pkg-{(i + 1) % n}: 1.0.0\n\n")


def _package_lock(path: Path, target_bytes: int) -> None:
    with path.open("w") as f:
        f.write(
            '{\n  "name": "big",\n  "lockfileVersion": 3,\n  "requires": true,\n'
            '  "packages": {\n    "": {"name": "big", "version": "1.0.0"}'
        )
        i = 0
        while f.tell() < target_bytes:
            entry = {
                "version": f"1.{i % 40}.0",
                "resolved": f"https://registry.npmjs.org/pkg-{i}/-/pkg-{i}-1.0.0.tgz",
                "integrity": "sha512-" + hashlib.sha512(str(i).encode()).hexdigest()[:86],
                "dev": i % 2 == 0,
                "license": "MIT",
                "dependencies": {f"pkg-{i + 1}": "^1.0.0", f"pkg-{i + 2}": "^1.0.0"},
                "engines": {"node": ">=18"},
            }
            f.write(
                f',\n    "node_modules/pkg-{i}": '
                + json.dumps(entry, indent=2).replace("\n", "\n    ")
            )
            i += 1
        f.write("\n  }\n}\n")


def _big(work: Path) -> list[Case]:
    cases = []
    d = _project(work, "yarn-300k", {})
    _yarn_v1(d / "yarn.lock", 300_000)
    cases.append(
        Case(
            14,
            "a 300,000-entry yarn.lock",
            ["deps", "yarn.lock", "--offline"],
            d,
            # the 6,000 platform packages of seven scopes are seven groups (one row each),
            # whose musl members cover the gnu ones: 294,007 rows, nothing failing
            exits=(0, 1),
            check=_ran(294_000),
        )
    )
    d = _project(work, "pnpm-150k", {})
    _pnpm(d / "pnpm-lock.yaml", 150_000)
    cases.append(
        Case(
            14,
            "a 150,000-package pnpm-lock.yaml",
            ["deps", "pnpm-lock.yaml", "--offline"],
            d,
            exits=(0, 1),
            check=_ran(150_000),
        )
    )
    d = _project(work, "pnpm-over", {})
    _pnpm(d / "pnpm-lock.yaml", 250_000)
    cases.append(
        Case(
            14,
            "a pnpm-lock.yaml over the line limit",
            ["deps", "pnpm-lock.yaml", "--offline"],
            d,
            exits=(2,),
            check=_error(r"more than 1,000,000 lines and values"),
        )
    )
    d = _project(work, "npm-30mb", {})
    _package_lock(d / "package-lock.json", 30 << 20)
    cases.append(
        Case(
            14,
            "a 30 MB package-lock.json",
            ["deps", "package-lock.json", "--offline"],
            d,
            exits=(0, 1),
            check=_ran(1),
        )
    )
    # at the documented limits
    items = MAX_TOML_ITEMS - 100
    d = _project(work, "toml-limit", {"uv.lock": "version = 1\nx = [" + "1," * items + "]\n"})
    cases.append(
        Case(
            14,
            f"uv.lock of {items:,} tiny values (the limit)",
            _deps(d, "uv.lock"),
            d,
            exits=(0,),
            check=_ran(0),
        )
    )
    d = _project(work, "toml-over", {"uv.lock": "version = 1\nx = [" + "1," * (2 * items) + "]\n"})
    cases.append(
        Case(
            14,
            "uv.lock over the value limit",
            _deps(d, "uv.lock"),
            d,
            exits=(2,),
            check=_error(r"more than 1,000,000 values"),
        )
    )
    d = _project(work, "req-limit", {})
    with (d / "requirements.txt").open("w") as f:
        for i in range(MAX_PACKAGES):
            f.write(f"pkg{i}==1.{i % 7}.0 --hash=sha256:{i:064x}\n")
    cases.append(
        Case(
            14,
            f"requirements.txt of {MAX_PACKAGES:,} pins (the limit, uv on)",
            ["deps", "requirements.txt", "--offline"],
            d,
            exits=(0, 1),
            check=_ran(MAX_PACKAGES),
        )
    )
    keys = 990_000
    d = _project(work, "json-limit", {})
    with (d / "Pipfile.lock").open("w") as f:
        f.write('{"_meta": {}, "develop": {"k": {}')
        for i in range(keys - 1):
            f.write(f', "k{i}": {{}}')
        f.write("}}")
    cases.append(
        Case(
            14,
            f"Pipfile.lock of {keys:,} packages without versions",
            _deps(d, "Pipfile.lock"),
            d,
            exits=(2,),
            check=_error(r"more than 20,000 packages"),
        )
    )
    return cases


def cases(work: Path) -> list[Case]:
    """Every hostile dependency input of issue 10, built under ``work``."""
    return [*_outside(work), *_devices(work), *_formats(work), *_answers(work), *_big(work)]
