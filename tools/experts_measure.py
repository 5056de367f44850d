"""Measure lint and translate against the official images' expert Dockerfiles.

The corpus is a directory given as ``--corpus DIR`` (default ``$ALPINE_READY_EXPERTS``):
``<family>/<version>/{debian,alpine}.Dockerfile`` pairs (with a ``SOURCE.json`` naming
the repository, path and commit) and ``alpine-only/*.Dockerfile``.  The official images'
files are collected by whoever measures and never committed here (our tests use
Dockerfiles of our own).  Everything runs offline.

1. Every Alpine Dockerfile is linted with the default settings; per family, the files
   failing at the default ``--fail-on`` and the findings per rule code are printed.
2. Every Debian variant is translated with ``--check`` (busybox ``sh -n`` in the Alpine
   root filesystem of ``--against``, default the test fixtures'); per family, the Debian
   commands left in the output's RUN lines (a command Alpine packages too -- ``dpkg``,
   ``dpkg-architecture`` -- only where the output does not install it; the ones in a RUN
   right after a stop block are counted apart: the build stops before them), whether it
   has a ``.build-deps``-style virtual group, whether ``--check`` passes (the first
   proven problem when not), and the package recall/precision against the expert Alpine
   file's ``apk add`` names.  Families whose experts do not install from packages what
   the Debian variant installs from packages (:data:`NOT_FROM_PACKAGES`, or a pair's
   ``SOURCE.json`` with ``"packages": false`` and a ``"reason"``) are marked ``*`` with
   the reason printed, and left out of the package totals.  A pair's ``debian-context/``
   folder, when there, is the build context translate reads COPY sources from (the
   repository's files next to the Debian Dockerfile: the entrypoint's ``#!`` line).

Package names are parsed from ``apk add`` in RUN instructions (continuations joined):
options are dropped (``--virtual NAME`` / ``-t NAME`` with its argument), version pins
(``=…``, ``~…``, ``>…``, ``<…``) are stripped, ``$var``/``${var}`` is expanded only when
the same file assigns it a literal (``ENV``/``ARG`` or a shell ``var=value``/
``var="value"``), and any word that is not a package name (``[a-z0-9][a-z0-9+._-]*``) is skipped.
Arguments stop at a shell separator (``;``, ``&&``, ``||``, ``|``).
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from alpine_ready.lint.engine import LintOptions
from alpine_ready.lint.engine import run as lint_run
from alpine_ready.translate import TranslateOptions
from alpine_ready.translate import run as translate_run

ROOT = Path(os.environ.get("ALPINE_READY_EXPERTS", "experts"))  # set by main() from --corpus
#: the Alpine root filesystem translate --check runs busybox ``sh -n`` in (--against)
AGAINST: Path | None = None
FIXTURES = Path.home() / ".cache" / "alpine-ready-test-fixtures"
DEBIAN_COMMANDS = (
    "apt-get",
    "apt-mark",
    "dpkg-query",
    "dpkg-architecture",
    "dpkg",
    "useradd",
    "groupadd",
    "update-alternatives",
)
_DEB_RE = re.compile(
    r"(?<![\w./-])(" + "|".join(re.escape(c) for c in DEBIAN_COMMANDS) + r")(?![\w./-])"
)
#: Debian tools Alpine packages too (aports community/dpkg, main/dpkg-dev): once the
#: output installs the package, the command runs (Alpine's own images use them so)
ALPINE_PACKAGED = {"dpkg": "dpkg", "dpkg-architecture": "dpkg-dev", "dpkg-query": "dpkg"}
#: families whose experts do not install from Alpine packages what the Debian variant
#: installs from packages: recall/precision there measure a different design, not the
#: translation (a corpus pair's SOURCE.json may say the same: "packages": false, "reason")
NOT_FROM_PACKAGES = {
    "golang": "the experts' Alpine image is Go's vendor tarball on a bare alpine (no cgo "
    "toolchain); the Debian variant adds gcc/g++/make on buildpack-deps for cgo",
    "node": "the experts use Node's musl tarball (unofficial-builds) or build from source; "
    "the Debian variant downloads the glibc tarball",
    "nginx": "the experts install nginx.org's Alpine packages from a variable ($nginxPackages, "
    "not literal names) and, on other architectures, build them with pkg-oss: that "
    "build's dependencies are most of their apk add names; the Debian variant (and the "
    "translation, which stops there with a message) does no such build",
    "postgres": "the experts build PostgreSQL from source on Alpine; the Debian variant "
    "installs the PGDG apt repository's postgresql-NN packages",
}
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9+._-]*$")
_SUBST_RE = re.compile(r"\$\([^()]*\)")  # an innermost command substitution
_VIRTUAL_RE = re.compile(r"apk\s+add\b[^;&|]*(?:--virtual|-t)[ =]+\.?[\w.-]*deps")
_ASSIGN_RE = re.compile(r"(?:^|[\s;])([A-Za-z_]\w*)=(\"[^\"$`]*\"|'[^']*'|[^\s;\"'$`]*)")
_ENV_RE = re.compile(r"^\s*(?:ENV|ARG)\s+(.*)$", re.I)
_VAR_RE = re.compile(r"\$\{(\w+)\}|\$(\w+)")
_SEPARATORS = {";", "&&", "||", "|", "&"}


def run_bodies(text: str) -> list[str]:
    """The RUN instructions of ``text``, continuation lines joined, comments dropped."""
    bodies: list[str] = []
    current: list[str] | None = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if current is None:
            if not re.match(r"^\s*RUN\b", line, re.I):
                continue
            current = []
            line = re.sub(r"^\s*RUN\b", "", line, flags=re.I)
        elif line.lstrip().startswith("#"):
            continue
        if line.endswith("\\"):
            current.append(line[:-1])
        else:
            current.append(line)
            bodies.append(" ".join(current))
            current = None
    if current is not None:
        bodies.append(" ".join(current))
    return bodies


def literal_vars(text: str) -> dict[str, str]:
    """Variables given a literal value in ``text`` (ENV/ARG, shell assignments)."""
    values: dict[str, str] = {}
    for line in re.sub(r"\\\n", " ", text).splitlines():  # continuations joined
        m = _ENV_RE.match(line)
        if m:
            rest = m.group(1).strip()
            if "=" in rest.split(None, 1)[0]:
                for k, _, v in (w.partition("=") for w in rest.split()):
                    if "$" not in v:
                        values[k] = v.strip("\"'")
            elif len(parts := rest.split(None, 1)) == 2 and "$" not in parts[1]:
                values[parts[0]] = parts[1].strip("\"'")
    for body in run_bodies(text):
        for name, value in _ASSIGN_RE.findall(body):
            values.setdefault(name, value.strip("\"'"))
    return values


def apk_packages(text: str) -> set[str]:
    """The package names given to ``apk add`` in the RUN lines of ``text``."""
    values = literal_vars(text)

    def expand(word: str) -> str:
        return _VAR_RE.sub(lambda m: values.get(m.group(1) or m.group(2), m.group(0)), word)

    names: set[str] = set()
    for body in run_bodies(text):
        while (inner := _SUBST_RE.sub("", body)) != body:  # $(…) computes its own words
            body = inner
        try:
            words = shlex.split(body, posix=True)
        except ValueError:
            words = body.split()
        for i in range(len(words) - 1):
            if words[i] != "apk" or words[i + 1] != "add":
                continue
            skip = False
            for word in words[i + 2 :]:
                if word in _SEPARATORS or word.endswith(";"):
                    stripped = word.rstrip(";")
                    if stripped and not stripped.startswith("-") and not skip:
                        names.update(_names(expand(stripped)))
                    break
                if skip:
                    skip = False
                    continue
                if word in ("--virtual", "-t", "--repository", "-X", "--arch"):
                    skip = True
                    continue
                if word.startswith("-"):
                    continue
                names.update(_names(expand(word)))
    return names


def _names(word: str) -> set[str]:
    out: set[str] = set()
    for part in word.split():
        name = re.split(r"[=~<>]", part, maxsplit=1)[0]
        if _NAME_RE.match(name):
            out.add(name)
    return out


#: translate's marked block that stops the build where no translation is known: its
#: message names Debian commands, which it does not run.
STOP_BLOCK = "echo 'alpine-ready translate:"


def debian_commands_left(text: str) -> tuple[Counter[str], Counter[str]]:
    """Debian-only commands in the RUN lines of ``text``: (unguarded, guarded).

    Word-boundary matches, not path components (``/etc/dpkg/``).  A command Alpine
    packages too counts only when the output installs no package providing it.  A RUN
    right after one of translate's stop blocks is *guarded*: the build stops before it
    and the block says to rewrite it by hand; those are counted apart.
    """
    installed = apk_packages(text)
    found: Counter[str] = Counter()
    guarded: Counter[str] = Counter()
    after_stop = False
    for body in run_bodies(text):
        if body.lstrip().startswith(STOP_BLOCK):
            after_stop = True
            continue
        hits = [c for c in _DEB_RE.findall(body) if ALPINE_PACKAGED.get(c) not in installed]
        (guarded if after_stop else found).update(hits)
        after_stop = False
    return found, guarded


def stop_blocks(text: str) -> int:
    """How many of translate's marked blocks stop the build in ``text``."""
    return sum(body.lstrip().startswith(STOP_BLOCK) for body in run_bodies(text))


@dataclass
class FamilyStats:
    """Totals for one image family."""

    alpine_files: int = 0
    failing: list[str] = field(default_factory=list)
    rules: Counter[str] = field(default_factory=Counter)
    pairs: int = 0
    leftovers: Counter[str] = field(default_factory=Counter)
    guarded: Counter[str] = field(default_factory=Counter)  # in RUNs behind a stop block
    checked: int = 0  # outputs translate --check ran on
    check_passed: int = 0
    check_failures: list[str] = field(default_factory=list)
    not_from_packages: str = ""  # why recall/precision do not apply ("" when they do)
    files_with_leftovers: int = 0
    virtual_groups: int = 0
    stops: int = 0  # translate's marked blocks that stop the build
    expert: int = 0
    ours: int = 0
    common: int = 0
    errors: list[str] = field(default_factory=list)


def family_of(path: Path) -> str:
    """The image family a corpus file belongs to."""
    rel = path.relative_to(ROOT)
    if rel.parts[0] == "alpine-only":
        return rel.name.split("-", 1)[0]
    return rel.parts[0]


def lint_all(stats: dict[str, FamilyStats]) -> None:
    """Lint every Alpine Dockerfile of the corpus, default settings, offline."""
    files = sorted(ROOT.glob("*/*/alpine.Dockerfile")) + sorted(
        ROOT.glob("alpine-only/*.Dockerfile")
    )
    for path in files:
        st = stats[family_of(path)]
        st.alpine_files += 1
        try:
            report = lint_run(LintOptions(paths=(str(path),), offline=True))
        except Exception as exc:
            st.errors.append(f"lint {path.relative_to(ROOT)}: {exc}")
            continue
        for fr in report.files:
            if fr.failed:
                st.failing.append(str(path.relative_to(ROOT)))
            st.rules.update(f.code for f in fr.findings)


def translate_all(stats: dict[str, FamilyStats]) -> None:
    """Translate every Debian variant and compare with its expert Alpine file."""
    for path in sorted(ROOT.glob("*/*/debian.Dockerfile")):
        st = stats[family_of(path)]
        st.pairs += 1
        source = path.parent / "SOURCE.json"
        meta = json.loads(source.read_text("utf-8")) if source.is_file() else {}
        if meta.get("packages") is False or family_of(path) in NOT_FROM_PACKAGES:
            st.not_from_packages = meta.get("reason") or NOT_FROM_PACKAGES[family_of(path)]
        try:
            context = path.parent / "debian-context"  # the files its COPYs read
            report = translate_run(
                TranslateOptions(
                    path=str(path),
                    offline=True,
                    check=True,
                    against=AGAINST,
                    context=context if context.is_dir() else None,
                )
            )
        except Exception as exc:
            st.errors.append(f"translate {path.relative_to(ROOT)}: {exc}")
            continue
        st.checked += 1
        if report.check is not None and not report.check.failed:
            st.check_passed += 1
        elif report.check is not None:
            first = next(i for i in report.check.items if i.level.value == "error")
            st.check_failures.append(
                f"{path.parent.relative_to(ROOT)}: line {first.line} {first.code} "
                f"{first.message[:150]}"
            )
        left, guarded = debian_commands_left(report.text)
        st.leftovers.update(left)
        st.guarded.update(guarded)
        st.files_with_leftovers += bool(left)
        st.stops += stop_blocks(report.text)
        st.virtual_groups += bool(_VIRTUAL_RE.search(" ".join(run_bodies(report.text))))
        ours = apk_packages(report.text)
        expert = apk_packages((path.parent / "alpine.Dockerfile").read_text(encoding="utf-8"))
        st.expert += len(expert)
        st.ours += len(ours)
        st.common += len(ours & expert)


def ratio(num: int, den: int) -> str:
    """``num/den`` as a percentage, or ``-``."""
    return f"{100 * num / den:5.1f}%" if den else "    -"


def main() -> None:
    """Run both measures and print them per family, then the totals."""
    global ROOT, AGAINST
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--corpus", type=Path, default=ROOT, help="the corpus directory")
    ap.add_argument(
        "--against",
        type=Path,
        default=Path(os.environ.get("ALPINE_READY_FIXTURES", FIXTURES)) / "alpine-3.23/rootfs",
        help="an Alpine root filesystem for translate --check's sh -n (skipped if missing)",
    )
    args = ap.parse_args()
    ROOT = args.corpus
    AGAINST = args.against if args.against.is_dir() else None
    if not ROOT.is_dir():
        raise SystemExit(f"experts_measure: {ROOT}: no such corpus directory (--corpus DIR)")
    os.environ.setdefault("ALPINE_READY_OFFLINE", "1")
    stats: dict[str, FamilyStats] = defaultdict(FamilyStats)
    lint_all(stats)
    translate_all(stats)
    total = FamilyStats()
    print("== lint (default settings, offline): Alpine files")
    for fam, st in sorted(stats.items()):
        rules = ", ".join(f"{c}x{n}" for c, n in sorted(st.rules.items())) or "-"
        print(f"{fam:10} files={st.alpine_files:3} failing={len(st.failing):3} rules: {rules}")
        for name in st.failing:
            print(f"{'':10}   failing: {name}")
    print("\n== translate: Debian variants vs expert Alpine files")
    for fam, st in sorted(stats.items()):
        if not st.pairs:
            continue
        left = ", ".join(f"{c}x{n}" for c, n in sorted(st.leftovers.items())) or "-"
        guarded = ", ".join(f"{c}x{n}" for c, n in sorted(st.guarded.items())) or "-"
        print(
            f"{fam:10} pairs={st.pairs:3} with-leftovers={st.files_with_leftovers:3}"
            f" virtual-group={st.virtual_groups:3} stop-blocks={st.stops:3}"
            f" check-pass={st.check_passed}/{st.checked}"
            f" recall={ratio(st.common, st.expert)} ({st.common}/{st.expert})"
            f" precision={ratio(st.common, st.ours)} ({st.common}/{st.ours})"
            f"{'*' if st.not_from_packages else ' '}"
            f" leftovers: {left}; behind stop blocks: {guarded}"
        )
        for failure in st.check_failures:
            print(f"{'':10}   check fails: {failure}")
    excluded = {f: st.not_from_packages for f, st in stats.items() if st.not_from_packages}
    if excluded:
        print("\n* experts do not install from packages here (not in the package totals):")
        for fam, why in sorted(excluded.items()):
            print(f"  {fam}: {why}")
    pkg = FamilyStats()
    for st in stats.values():
        if st.pairs and not st.not_from_packages:
            pkg.expert += st.expert
            pkg.ours += st.ours
            pkg.common += st.common
    for st in stats.values():
        total.alpine_files += st.alpine_files
        total.failing += st.failing
        total.rules.update(st.rules)
        total.pairs += st.pairs
        total.leftovers.update(st.leftovers)
        total.guarded.update(st.guarded)
        total.checked += st.checked
        total.check_passed += st.check_passed
        total.files_with_leftovers += st.files_with_leftovers
        total.virtual_groups += st.virtual_groups
        total.stops += st.stops
        total.expert += st.expert
        total.ours += st.ours
        total.common += st.common
        total.errors += st.errors
    print("\n== totals")
    print(
        f"lint: {total.alpine_files} Alpine files, {len(total.failing)} failing,"
        f" {sum(total.rules.values())} findings"
        f" ({', '.join(f'{c}x{n}' for c, n in sorted(total.rules.items())) or '-'})"
    )
    print(
        f"translate: {total.pairs} pairs, {total.files_with_leftovers} with Debian commands"
        f" left ({sum(total.leftovers.values())} uses), {total.virtual_groups} with a"
        f" virtual group, {total.stops} stop blocks,"
        f" recall {ratio(total.common, total.expert).strip()}"
        f" ({total.common}/{total.expert}), precision {ratio(total.common, total.ours).strip()}"
        f" ({total.common}/{total.ours}); --check passes {total.check_passed}/{total.checked};"
        f" {sum(total.guarded.values())} Debian command uses behind stop blocks"
    )
    print(
        f"translate where the experts install from packages: recall "
        f"{ratio(pkg.common, pkg.expert).strip()} ({pkg.common}/{pkg.expert}), precision "
        f"{ratio(pkg.common, pkg.ours).strip()} ({pkg.common}/{pkg.ours})"
    )
    for err in total.errors:
        print(f"error: {err}")


if __name__ == "__main__":
    main()
