"""Measure lint and translate against the official images' expert Dockerfiles.

The corpus is a directory given as ``--corpus DIR`` (default ``$ALPINE_READY_EXPERTS``):
``<family>/<version>/{debian,alpine}.Dockerfile`` pairs (with a ``SOURCE.json`` naming
the repository, path and commit) and ``alpine-only/*.Dockerfile``.  The official images'
files are collected by whoever measures and never committed here (our tests use
Dockerfiles of our own).  Everything runs offline.

1. Every Alpine Dockerfile is linted with the default settings; per family, the files
   failing at the default ``--fail-on`` and the findings per rule code are printed.
2. Every Debian variant is translated; per family, the Debian commands left in the
   output's RUN lines, whether it has a ``.build-deps``-style virtual group, and the
   package recall/precision against the expert Alpine file's ``apk add`` names.

Package names are parsed from ``apk add`` in RUN instructions (continuations joined):
options are dropped (``--virtual NAME`` / ``-t NAME`` with its argument), version pins
(``=…``, ``~…``, ``>…``, ``<…``) are stripped, ``$var``/``${var}`` is expanded only when
the same file assigns it a literal (``ENV``/``ARG`` or a shell ``var=value``/
``var="value"``), and any word still holding ``$``, ``(``, ``)`` or quotes is skipped.
Arguments stop at a shell separator (``;``, ``&&``, ``||``, ``|``).
"""

from __future__ import annotations

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
    r"(?<![\w.-])(" + "|".join(re.escape(c) for c in DEBIAN_COMMANDS) + r")(?![\w.-])"
)
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
    for line in text.splitlines():
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
        if name and not re.search(r"[$()\"'`\\]", name) and not name.startswith("."):
            out.add(name)
    return out


#: translate's marked block that stops the build where no translation is known: its
#: message names Debian commands, which it does not run.
STOP_BLOCK = "echo 'alpine-ready translate:"


def debian_commands_left(text: str) -> Counter[str]:
    """Debian-only commands in the RUN lines of ``text`` (word-boundary matches)."""
    found: Counter[str] = Counter()
    for body in run_bodies(text):
        if not body.lstrip().startswith(STOP_BLOCK):
            found.update(_DEB_RE.findall(body))
    return found


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
        try:
            report = translate_run(TranslateOptions(path=str(path), offline=True))
        except Exception as exc:
            st.errors.append(f"translate {path.relative_to(ROOT)}: {exc}")
            continue
        left = debian_commands_left(report.text)
        st.leftovers.update(left)
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
    global ROOT
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--corpus", type=Path, default=ROOT, help="the corpus directory")
    ROOT = ap.parse_args().corpus
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
        print(
            f"{fam:10} pairs={st.pairs:3} with-leftovers={st.files_with_leftovers:3}"
            f" virtual-group={st.virtual_groups:3} stop-blocks={st.stops:3}"
            f" recall={ratio(st.common, st.expert)} precision={ratio(st.common, st.ours)}"
            f" leftovers: {left}"
        )
    for st in stats.values():
        total.alpine_files += st.alpine_files
        total.failing += st.failing
        total.rules.update(st.rules)
        total.pairs += st.pairs
        total.leftovers.update(st.leftovers)
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
        f" ({total.common}/{total.ours})"
    )
    for err in total.errors:
        print(f"error: {err}")


if __name__ == "__main__":
    main()
