"""Every sentence ``deps`` says about a Python pin, checked against pip itself.

``tests/data/pip-oracle/oracle.json`` is pip's recorded answer for 90-odd real pins on
CPython 3.12 / musllinux x86_64 (``tools/record_pip_oracle.py``: ``pip download
--only-binary``, pip's Requires-Python refusal, ``pip wheel`` of the sdist with every
compiler set to ``false``, and the first later release pip installs).  ``deps`` runs
offline on the PyPI pages and sdist build files recorded with it.  Checked per pin:

- the status agrees with pip (installs as a wheel / fails; the upgrade is the first
  release pip installs);
- each sentence is true of the evidence: a named wheel or sdist is on the page for that
  version, "no files" only when there are none, a Requires-Python exclusion names pip's
  constraint and the first release that installs, a pure-Python sdist (pip built a
  ``none-any`` wheel with no compiler) never gets build-base or compile-time advice and a
  compiling one always does.

The counts are printed (``pytest -s``) and each kind of check must pass on every pin.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from alpine_ready.deps.cache import ResponseCache
from alpine_ready.deps.check import DepsOptions, run
from alpine_ready.deps.index import ACCEPT
from alpine_ready.deps.report import DepStatus, PackageResult
from alpine_ready.deps.sdist import NEEDS_ACCEPT, analyse_members
from alpine_ready.deps.unpinned import _no_wheel_clause

log = logging.getLogger(__name__)
DATA = Path(__file__).parent / "data" / "pip-oracle"
ORACLE = json.loads((DATA / "oracle.json").read_text())
PINS: list[dict[str, Any]] = ORACLE["pins"]
FAILING = (DepStatus.UPGRADE, DepStatus.SOURCE_BUILD, DepStatus.UNAVAILABLE)


def _pages() -> dict[str, dict[str, Any]]:
    return {
        p.name.removesuffix(".json"): json.loads(p.read_text())
        for p in sorted((DATA / "index").glob("*.json"))
    }


PAGES = _pages()


def _seed(cache: ResponseCache) -> None:
    """The recorded pages, and each recorded sdist's build needs, as a run would cache them."""
    now = time.time()
    for doc in PAGES.values():
        assert doc["accept"] == ACCEPT, "re-record: the Accept header changed"
        body = json.dumps(doc["body"]).encode()
        cache.put(doc["url"], ACCEPT, body, doc["headers"], fetched_at=now)
    for d in sorted((DATA / "sdists").iterdir()):
        meta = json.loads((d / "SUFFIXES.json").read_text())
        members = {
            str(p.relative_to(d)): p.read_text(errors="replace")
            for p in d.rglob("*")
            if p.is_file() and p.name != "SUFFIXES.json"
        }
        needs = analyse_members(
            d.name,
            members,
            set(meta["suffixes"]),
            meta["size"],
            True,
            kernel_headers=meta["kernel_headers"],
        )
        cache.put(meta["url"], NEEDS_ACCEPT, json.dumps(needs.to_json()).encode())


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, PackageResult]:
    root = tmp_path_factory.mktemp("truth")
    _seed(ResponseCache(root / "cache"))
    (root / "requirements.txt").write_text("".join(f"{p['pin']}\n" for p in PINS))
    report = run(
        DepsOptions(
            str(root / "requirements.txt"),
            python="3.12",
            offline=True,
            cache_dir=root / "cache",
            resolve=False,
        )
    )
    return {f"{r.name}=={r.version}": r for r in report.packages}


def _files(name: str, version: str) -> set[str]:
    norm = re.sub(r"[-_.]+", "-", name).lower()
    out = set()
    for f in PAGES[norm]["body"]["files"]:
        fn = f["filename"]
        stem = fn[: -len(".whl")] if fn.endswith(".whl") else fn.rsplit(".tar", 1)[0]
        stem = stem.removesuffix(".zip")
        parts = stem.split("-")
        for i in range(1, len(parts)):
            try:
                if Version(parts[i]) == Version(version):
                    out.add(fn)
                    break
            except ValueError:
                continue
    return out


@dataclass
class Tally:
    """Checks passed and failed, by kind."""

    passed: Counter[str] = field(default_factory=Counter)
    failed: list[str] = field(default_factory=list)

    def check(self, kind: str, ok: bool, what: str) -> None:
        if ok:
            self.passed[kind] += 1
        else:
            self.failed.append(f"{kind}: {what}")


_BUILD_WORDS = ("build-base", "install a compiler", "minutes", "needs a C compiler")
_FILE = re.compile(r"[A-Za-z0-9_.+!-]+(?:\.whl|\.tar\.gz|\.zip)")


def _judge(pin: dict[str, Any], row: PackageResult, t: Tally) -> None:
    name, version = pin["pin"].split("==")
    text = " ".join((*row.reasons, *row.fixes))
    binary = pin["binary"]
    first = (pin.get("first_installable") or {}).get("version")
    # status
    if binary["ok"]:
        want = DepStatus.PURE if binary["file"].endswith("-none-any.whl") else DepStatus.MUSL_WHEEL
        t.check("status", row.status is want, f"{pin['pin']}: {row.status} vs pip {binary}")
    elif first is not None:
        t.check(
            "status",
            row.status is DepStatus.UPGRADE and row.musl_version == first,
            f"{pin['pin']}: {row.status} {row.musl_version} vs pip's first {first}",
        )
    else:
        t.check("status", row.status in FAILING, f"{pin['pin']}: {row.status} vs pip fails")
    # every file named is on the index for this version (or the upgrade's)
    named = set(_FILE.findall(text))
    norm = re.sub(r"[-_.]+", "-", name).lower()
    known = {f["filename"] for f in PAGES[norm]["body"]["files"]}
    for fn in named:
        t.check("file named exists", fn in known, f"{pin['pin']}: {fn}")
    for fn in named & _files(name, version):  # a file of the pin is named as the pin's
        t.check("file of the pin", f"{name} {row.version}" in text, f"{pin['pin']}: {fn}")
    # "no files" only when the page has none for the version
    if "no files for this version" in text:
        t.check("no-files claim", not _files(name, version), f"{pin['pin']}: has files")
    # Requires-Python
    said = (pin.get("requires_python_pip") or {}).get("ignored_for_pin")
    if said:
        t.check("names Requires-Python", said in text, f"{pin['pin']}: {said!r} not in {text}")
        if first is not None:
            t.check(
                "names first release",
                f"{name}=={first}" in text and "first release after" in text,
                f"{pin['pin']}: {first} not named",
            )
        else:
            t.check(
                "no false upgrade",
                not any(f.startswith("upgrade to") for f in row.fixes),
                f"{pin['pin']}: {row.fixes}",
            )
        t.check(
            "no build advice for a skipped pin",
            not any(w in text for w in _BUILD_WORDS),
            f"{pin['pin']}: {text}",
        )
    # sdists: pure ones need nothing, compiling ones need a compiler
    nc = pin.get("no_compiler")
    if nc is not None and not binary["ok"]:  # upgrade rows too: "or keep it and build"
        if nc["ok"] and nc.get("pure"):
            needs_words = ("install a compiler", "needs a C compiler", "minutes", "needs a ")
            t.check(
                "pure sdist: no build advice",
                not any(w in text for w in needs_words)
                and ("build-base" not in text or "optional" in text)
                and ("pure Python" in text),
                f"{pin['pin']}: {text}",
            )
        else:
            t.check(
                "compiling sdist: build advice",
                "build-base" in text and "pure Python" not in text,
                f"{pin['pin']}: {text}",
            )
    # the newest with a wheel, when the row names it
    m = re.search(r"the newest \S+ with a wheel for the target is (\S+),", text)
    newest = (pin.get("first_installable") or {}).get("newest_installable")
    if m and newest:
        t.check("newest named", m[1] == newest, f"{pin['pin']}: {m[1]} vs pip {newest}")
    # an upgrade fix names a version pip installs
    for f in row.fixes:
        u = re.match(r"upgrade to (\S+)==(\S+?),? ", f + " ")
        if u and first is not None:
            t.check("upgrade target", u[2].rstrip(",") == first, f"{pin['pin']}: {f}")


def test_recorded_oracle_is_big_enough() -> None:
    assert len(PINS) >= 80
    assert ORACLE["provenance"]["pip"] and ORACLE["provenance"]["recorded_at"]
    kinds = Counter(p["why"] for p in PINS)
    assert kinds["pure-sdist"] >= 10 and kinds["requires-python"] >= 6 and kinds["upgrade"] >= 20


def test_every_sentence_agrees_with_pip(
    rows: dict[str, PackageResult], record_property: Any
) -> None:
    t = Tally()
    for pin in PINS:
        key = (
            pin["pin"].split("==")[0].lower().replace("_", "-")
            + "=="
            + str(Version(pin["pin"].split("==")[1]))
        )
        row = next((r for k, r in rows.items() if k.lower() == key), None)
        t.check("row present", row is not None, pin["pin"])
        if row is not None:
            _judge(pin, row, t)
    total = sum(t.passed.values()) + len(t.failed)
    table = [f"pins {len(PINS)}; checks passed {sum(t.passed.values())}/{total}"]
    table += [f"  {kind}: {n}" for kind, n in sorted(t.passed.items())]
    record_property("truth", "\n".join(table))  # in --junitxml; the failures list it too
    log.info("%s", "\n".join(table))
    assert not t.failed, "\n".join([*table, *t.failed])


RESOLVE = Path(__file__).parent / "data" / "resolve"


@pytest.mark.parametrize(
    ("case", "name", "said"),
    [
        ("torch-musl", "torch", "torch"),
        ("scikit-learn-musl-nobuild", "scikit-learn", "scikit-learn"),
        ("mysqlclient-musl-nobuild", "mysqlclient", "mysqlclient"),
    ],
)
def test_resolution_notes_quote_uv(case: str, name: str, said: str) -> None:
    """A left-out package's note says what uv said of it, with uv's version constraint."""
    text = (RESOLVE / f"{case}.stderr").read_text()
    clause = _no_wheel_clause(" ".join(text.split()), name)
    assert clause.startswith((said, f"all versions of {said}"))
    assert "any usable release" not in clause and "glibc" not in clause
    constraint = clause.split(" ha", 1)[0].removeprefix("all versions of ")
    assert constraint in " ".join(text.split())
