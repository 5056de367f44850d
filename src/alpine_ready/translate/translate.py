"""Translate a Debian/Ubuntu-based Dockerfile into its Alpine version.

:func:`translate_text` parses the file with the project's parser, decides per stage
(base image, the shell it needs, which RUNs build native code) and rewrites only what
changes, at the parser's positions: comments, continuations, indentation and every
untouched line stay byte-identical.  The result must parse again; otherwise
:class:`TranslateError` is raised (a bug, never a silently broken file).

A stage whose base has no known Alpine variant is left as it is (its RUNs would fail
with apk): the base is reported as unmapped.  ``FROM earlier-stage`` follows that stage.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path

from ..dockerfile import (
    Dockerfile,
    Instruction,
    ShellBudget,
    ShellScript,
    Stage,
    find_commands,
    parse_run,
    parse_text,
    validate_text,
)
from ..errors import InputError, TranslateError
from ..knowledge import (
    apk_sonames,
    default_release,
    profile,
    release,
    releases,
    valid_release,
)
from ..knowledge.apkindex import PackageIndex
from ..knowledge.apt import Kind, debian_idioms, lookup
from ..knowledge.build import build_tools
from ..knowledge.debcommands import debian_commands
from ..knowledge.images import alpine_counterpart
from ..knowledge.support import alpine_support
from ..knowledge.vendorrepos import VendorRepo
from . import blocks, paths
from .downloads import glibc_hint, hint_text, musl_url
from .edits import Editor
from .model import Category, Change, Note, Translation, Unmapped, UnmappedKind
from .packages import Operand, read_operand
from .runs import (
    C_TOOLCHAIN,
    Report,
    RunRewriter,
    StageInfo,
    gnu_only_used,
    is_consumer,
    plain_list,
    with_env_values,
)
from .shells import ash_shell, bash_only, find_runs_bash, is_bash
from .users import WWW_DATA_COMMENT, WWW_DATA_USER, Accounts, uses_www_data

log = logging.getLogger(__name__)

PRAGMA = "# hadolint ignore=DL3018"
#: above a RUN installing build tools the Debian file keeps in its image on purpose
KEPT_BUILD = "# alpine-ready ignore=AR205 --"
#: an apt-get install operand that is one variable: ``$PHPIZE_DEPS``, ``${BUILD_DEPS}``
_VAR_WORD = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$")
#: a word of an ENV/ARG value list (a Debian package name)
_LIST_WORD = re.compile(r"(^|[\s\"'=])([a-z0-9][a-z0-9+.-]+)(?=$|[\s\"'\\])")
PRAGMA_WHY = (
    "# Versions are not pinned: Debian versions do not carry over to Alpine "
    "(alpine-ready translate)."
)
#: hadolint codes about apt that mean nothing after translation, and their apk twins.
_APT_CODES = {
    "DL3008": "DL3018",
    "DL3009": None,
    "DL3014": None,
    "DL3015": None,
    "DL3005": None,
    "DL3027": None,
}


_LINE_NOTE = re.compile(r"line (\d+): (.*)", re.DOTALL)
MISSING_CODE = "AR604"
EOL_CODE = "AR621"
_LISTED = 5


def _family(name: str) -> str:
    """``libxml2`` for ``libxml2-utils``: the part of a package name before its first ``-``."""
    return name.split("-", 1)[0]


def missing_package_message(name: str, index: PackageIndex, runs: dict[str, str]) -> str:
    """Why ``name`` is not installable, and what the index's provides suggest instead.

    The index's ``cmd:`` / ``so:`` / ``pc:`` provides of ``name`` itself; and ``runs``
    (command -> its package, for commands the stage runs that none of its packages
    provides): those whose package is of ``name``'s family (``libxml2-xmllint`` for
    ``libxml2-utils``), so that ``rm`` never points to coreutils.
    """
    msg = (
        f"{name}: no such package in Alpine {index.release or 'this release'} (its package "
        "index, main and community): apk add will fail"
    )
    hints = index.provides_hints(name)
    related = sorted((c, w) for c, w in runs.items() if _family(w) == _family(name))
    if related:
        hints.append(
            "this stage runs " + ", ".join(f"{c}, which {w} provides" for c, w in related[:_LISTED])
        )
    return msg + ("; " + "; ".join(hints) if hints else "")


def end_of_support(rel: str, today: dt.date | None = None) -> dt.date | None:
    """The day Alpine ``rel``'s support ended, when it is before ``today``; else None."""
    support = alpine_support()
    day = today or dt.date.today()
    if support.is_supported(rel, day) is not False:
        return None
    branch = support.branch(rel)
    return branch.end_of_support if branch else support.branches[0].end_of_support


def translate_text(
    text: str,
    path: str = "Dockerfile",
    *,
    alpine: str | None = None,
    index: PackageIndex | Callable[[], PackageIndex | None] | None = None,
    context: Path | None = None,
) -> Translation:
    """The Alpine version of the Dockerfile ``text``.

    ``alpine`` (``X.Y``) picks package names for that release, ``alpine:<release>`` for
    distribution bases and ``-alpine<release>`` tags where images publish them; by default
    the newest release alpine-ready has data for, with the images' floating ``-alpine``
    tags.  ``index``, the package index of that release when one could be read (or a
    function returning it or None, called only when an ``apk add`` is written): every
    Alpine name an ``apk add`` of the translation installs is looked up in it, and a name
    the release does not have is a note (AR604) naming the package the index's ``cmd:`` /
    ``so:`` / ``pc:`` provides point to.  Raises :class:`~alpine_ready.errors.InputError`
    for input the parser rejects.  ``context``: the build context, where the scripts a
    ``COPY`` brings in are read (their first line: a bash shebang needs bash on Alpine).
    """
    rel = alpine or default_release()
    if not valid_release(rel):
        raise InputError(f"invalid Alpine release {rel!r} (expected X.Y, e.g. {default_release()})")
    df = parse_text(text, path)
    tr = _Translator(df, rel, pin_release=alpine is not None, index=index, context=context)
    tr.run()
    new = tr.editor.apply()
    if df.has_bom:
        new = "\ufeff" + new
    try:
        validate_text(new, path)
    except InputError as exc:
        log.error("translation of %s does not parse: %s", path, exc)
        raise TranslateError(
            f"{path}: the translated text does not parse ({exc}); "
            "please report this with the Dockerfile"
        ) from exc
    r = tr.report
    return Translation(
        text=new,
        notes=tuple(
            Note(line, cat, msg, r.codes.get((line, cat, msg)))
            for line, cat, msg in sorted(r.notes, key=lambda n: n[0])
        ),
        unmapped=tuple(Unmapped(name, line, kind, why) for name, line, kind, why in r.unmapped),
        changes=tuple(
            Change(line, cat, what, why)
            for line, cat, what, why in sorted(r.changes, key=lambda c: c[0])
        ),
        alpine=rel,
    )


#: a variable an ENV/ARG sets (``KEY=value`` or ``ENV KEY value``)
_ENV_PAIR = re.compile(r"(?:^|\s)([A-Za-z_]\w*)(?==|\s|$)")


class _Translator:
    def __init__(
        self,
        df: Dockerfile,
        rel: str,
        pin_release: bool,
        index: PackageIndex | Callable[[], PackageIndex | None] | None = None,
        context: Path | None = None,
    ) -> None:
        self.df, self.release, self.pin = df, rel, pin_release
        self.context = context
        self._index = index
        self.editor = Editor(df)
        self.report = Report()
        self.stage_ok: dict[int, bool] = {}
        self._shipped: frozenset[int] | None = None
        self._globals: list[Instruction] | None = None  # the instructions before any FROM
        #: stage index -> (image, tag) of a base that carried Debian's tools (buildpack-deps)
        self.stage_image: dict[int, tuple[str, str]] = {}
        self.groups_by_gid: dict[str, str] = Accounts()
        self.explained = False
        self.shell_budget = ShellBudget()
        self._all_scripts: list[ShellScript] | None = None
        known = releases()
        prof = known[rel].profile if rel in known else release(default_release()).profile
        self.base_packages = frozenset(p["name"] for p in profile(prof)["packages"])
        called = set(re.findall(r"[\w.+-]+", "".join(df.lines)))
        self.uncalled = frozenset(
            pkg
            for pkg, commands in debian_idioms().implied_only_when_called.items()
            if not commands & called
        )
        eol = end_of_support(rel)
        if eol is not None:
            self.report.note(
                1,
                Category.BASE,
                f"Alpine {rel} is past its end of support ({eol}, Alpine's release table): "
                "it gets no security fixes; translate for a supported release",
                code=EOL_CODE,
            )
        if rel not in known:
            self.report.note(
                1,
                Category.PACKAGES,
                f"Alpine {rel}: package names follow the "
                "mapping's per-release rules; alpine-ready has no profile "
                "for this release",
            )

    def run(self) -> None:
        for ins in self.df.instructions:
            if ins.stage is None and ins.keyword == "ARG":
                self.arg(ins)
        for stage in self.df.stages:
            self.stage(stage)
        for limit in (self.df.expansion_note, self.shell_budget.note):
            if limit is not None:  # a limit cut the translation short
                m = _LINE_NOTE.match(limit)
                self.report.note(int(m[1]) if m else 1, Category.SHELL, m[2] if m else limit)

    # -- FROM ------------------------------------------------------------------------------
    def from_(self, stage: Stage) -> bool:
        """Translate the base; True when the stage's instructions are to be translated.

        False for a stage already on Alpine (nothing to do: ``alpine-ready lint`` is for
        those), on scratch, or on a base with no known Alpine variant (reported).
        """
        if stage.is_scratch:
            return False
        if stage.parent is not None:
            if stage.parent in self.stage_image:
                self.stage_image[stage.index] = self.stage_image[stage.parent]
            return self.stage_ok.get(stage.parent, False)
        res = alpine_counterpart(
            stage.base_original, self.release, resolved=stage.base, pin_release=self.pin
        )
        line = stage.base_position.line
        if res.already_alpine:
            return False
        if res.new is None:
            self.report.unmapped_item(stage.base_original, line, UnmappedKind.BASE, res.why)
            self.report.note(
                line,
                Category.BASE,
                f"stage {stage.name or stage.index} kept on "
                f"{stage.base_original}: {res.why}; its RUNs are not translated",
            )
            return False
        start = self.editor.offset(stage.base_position)
        end = start + len(stage.base_original)
        if self.editor.text[start:end] != stage.base_original:
            self.report.note(
                line, Category.BASE, "base image not found where the parser put it: left as written"
            )
            return False
        self.editor.add(start, end, res.new)
        self.report.change(line, Category.BASE, f"FROM {stage.base_original} → {res.new}", res.why)
        if res.carries_tools:
            # the tools that image carried (git, curl, gcc…) are gone: the RUNs may need them
            ref = stage.base or stage.base_original
            name, _, tag = ref.split("@", 1)[0].rpartition("/")[2].partition(":")
            if debian_commands().image_level(name, tag or "latest") is not None:
                self.stage_image[stage.index] = (name, tag or "latest")
                self.report.note(
                    line,
                    Category.BASE,
                    f"{res.new} has none of the tools {stage.base_original} carried: "
                    "the ones this stage's RUNs call are installed where they are used "
                    "(a build's compiler and -dev libraries in its .build-deps group)",
                )
            else:
                self.report.note(
                    line,
                    Category.BASE,
                    f"{res.new} has none of the tools "
                    f"{stage.base_original} carried: add the ones this stage's RUNs "
                    f"use (apk add --no-cache …)",
                )
        return True

    # -- stages ----------------------------------------------------------------------------
    def stage(self, stage: Stage) -> None:
        ok = self.from_(stage)
        self.stage_ok[stage.index] = ok
        if not ok:
            return
        scripts = {
            ins.index: parse_run(ins, self.df.scopes.shell(ins), budget=self.shell_budget)
            for ins in stage.instructions
            if ins.keyword == "RUN"
        }
        consumers = frozenset(
            i for i, s in scripts.items() if any(is_consumer(c) for c in s.commands)
        )
        need_at, shell_plan = self.bash_plan(stage, scripts)
        explicit = any(
            o.apk == ("bash",)
            for ins in stage.instructions
            if ins.keyword == "RUN"
            for o in self.apt_operands(scripts[ins.index])
        )
        info = StageInfo(
            release=self.release,
            final=stage.index == len(self.df.stages) - 1,
            later_consumers=consumers,
            bash_installed=explicit,
            bash_wanted_until=None if need_at is None else need_at.index,
            groups_by_gid=self.groups_by_gid,
            base_packages=self.base_packages,
            defer=self.build_moves(stage, scripts, consumers),
        )
        info.uncalled = self.uncalled
        root = self.df.stages[self.df.stage_tree.root[stage.index]]
        image = root.base_original.split("@", 1)[0].split(":", 1)[0]
        info.node_base = image.rsplit("/", 1)[-1] == "node"
        info.shipped = stage.index in self.shipped_stages()
        info.gnu_tools_needed = frozenset(
            o.name
            for script in scripts.values()
            for o in self.apt_operands(script)
            if o.rule is not None
            and o.name is not None
            and o.rule.busybox_applet is not None
            and any(
                # options that only change what it prints are dropped, not a reason
                set(gnu_only_used(c, o.rule.gnu_only))
                - set(debian_idioms().cosmetic_options.get(o.rule.busybox_applet, ()))
                for s in self.all_scripts()
                for c in s.commands
                if (c.program or "").rsplit("/", 1)[-1] == o.rule.busybox_applet
            )
        )
        info.wget_runs = self.wget_hosts(stage, scripts)
        self.image_tools(stage, scripts, info)
        info.env_lists = self.env_package_lists(stage, scripts)
        info.c_toolchain = any(C_TOOLCHAIN & set(v) for v in info.env_lists.values())
        first_install = len(self.report.installs)
        first_unmapped = len(self.report.unmapped)
        first_stop = len(self.report.stops)
        www_data = self.www_data_at(stage)
        carry, carry_at = self.image_runtime(stage, scripts, info)
        for ins in stage.instructions[1:]:
            if ins is carry_at:
                self.insert_run(ins, "apk add --no-cache " + " ".join(p for p, _ in carry))
                for pkg, why in carry:
                    self.report.installed(pkg, ins.start_line)
                    self.report.change(
                        ins.start_line,
                        Category.PACKAGES,
                        f"RUN apk add --no-cache {pkg} inserted",
                        why,
                    )
            if ins is www_data:
                self.insert_run(ins, WWW_DATA_USER, comment=WWW_DATA_COMMENT)
                self.report.change(
                    ins.start_line,
                    Category.USERS,
                    f"RUN {WWW_DATA_USER} inserted",
                    "the www-data user is used here; Debian's base has it (uid 33), "
                    "Alpine's only its group (gid 82): made with uid 82, as the official "
                    "PHP and httpd Alpine images do",
                )
            if need_at is not None and ins.index == need_at.index and not info.bash_installed:
                self.insert_run(ins, "apk add --no-cache bash")
                self.report.change(
                    ins.start_line,
                    Category.SHELL,
                    "RUN apk add --no-cache bash inserted",
                    "bash is needed from here on",
                )
                info.bash_installed = True
            if ins.keyword == "RUN":
                info.debian_installed.update(
                    o.name for o in self.apt_operands(scripts[ins.index]) if o.name
                )
                info.apk_installed = {n for n, _ in self.report.installs[first_install:]}
                self.run_instruction(ins, scripts[ins.index], info)
            elif ins.keyword == "ENV":
                self.env(ins)
            elif ins.keyword == "ARG":
                self.arg(ins)
            elif ins.keyword == "SHELL" and ins.index in shell_plan:
                self.shell(ins, shell_plan[ins.index])
            elif ins.keyword in ("COPY", "ADD"):
                self.copy(ins)
        self.settle_unmapped(stage, first_unmapped, first_stop)
        self.move_paths(stage, {n for n, _ in self.report.installs[first_install:]}, info.vendor)
        self.check_names(self.report.installs[first_install:], scripts)

    def shipped_stages(self) -> frozenset[int]:
        """The final stage and those it is built FROM (their layers are the image's).

        Computed once per translation: a FROM chain of 25,000 stages is one walk.
        """
        if self._shipped is None:
            out: set[int] = set()
            at: int | None = len(self.df.stages) - 1
            while at is not None and at not in out and at >= 0:
                out.add(at)
                at = self.df.stages[at].parent
            self._shipped = frozenset(out)
        return self._shipped

    def image_tools(self, stage: Stage, scripts: dict[int, ShellScript], info: StageInfo) -> None:
        """What a base like ``buildpack-deps:bookworm`` carried, for the RUNs that use it.

        Its Debian packages count as installed (their commands and their dependencies'
        are found where a RUN calls them); where the image carried a compiler, each RUN
        that builds and installs nothing itself gets the image's build-only packages (the
        toolchain and every ``-dev`` library: configure finds the same libraries it found
        on Debian) in a ``.build-deps`` group, and the libraries of what it built kept
        by the ``scanelf`` run-time-dependency idiom.
        """
        image = self.stage_image.get(stage.index)
        if image is None:
            return
        facts = debian_commands()
        carried = facts.image_packages(*image)
        info.image = f"{image[0]}:{image[1]}"
        info.env_values.update(self.env_texts(stage))
        info.debian_installed.update(carried)
        info.image_commands = facts.image_commands(*image)
        if not C_TOOLCHAIN & set(carried):
            return
        names: list[str] = []
        for pkg in carried:
            rule = lookup(pkg)
            if rule is None or rule.kind is not Kind.BUILD:
                continue
            names += [n for n in rule.apk if n not in names and n not in self.base_packages]
        info.image_build = names
        info.image_build_runs = {
            i
            for i, s in scripts.items()
            if i in info.later_consumers
            and not self.apt_operands(s)
            and not self.df.instructions[i].json_form
            and not self.df.instructions[i].heredocs
            and plain_list(s.commands)
        }

    def wget_hosts(self, stage: Stage, scripts: dict[int, ShellScript]) -> frozenset[int]:
        """The RUNs whose wget install stays, for a download busybox's wget fails on.

        A RUN of the stage downloads with wget from such a host (``debian-idioms.json``'s
        ``busybox_wget_fails``; the URL may be in an ENV/ARG the RUN uses): GNU wget stays
        where that RUN installs it, else in the RUNs before it that do (the Debian file
        relied on that install).
        """
        hosts = debian_idioms().busybox_wget_fails
        if not hosts:
            return frozenset()
        installs: list[int] | None = None  # the RUNs installing wget, read when needed
        defined: dict[str, str] | None = None
        out: set[int] = set()
        for ins in stage.instructions:
            script = scripts.get(ins.index)
            if script is None or not any(c.program == "wget" for c in script.commands):
                continue
            if defined is None:
                defined = self.env_texts(stage)
            text = with_env_values(script.text, defined)
            failing = [h for h in hosts if h in text]
            if not failing:
                continue
            if installs is None:
                installs = [
                    i.index
                    for i in stage.instructions
                    if i.index in scripts
                    and any(o.name == "wget" for o in self.apt_operands(scripts[i.index]))
                ]
            keep = [ins.index] if ins.index in installs else [i for i in installs if i < ins.index]
            for k in keep:
                if k not in out:
                    out.add(k)
                    self.report.change(
                        self.df.instructions[k].start_line,
                        Category.PACKAGES,
                        "GNU wget kept (busybox's wget stands in for it elsewhere)",
                        "; ".join(f"{h}: {hosts[h]}" for h in failing),
                    )
        return frozenset(out)

    def env_texts(self, stage: Stage) -> dict[str, str]:
        """Each variable the global ARGs and ``stage``'s ENV/ARG set -> that instruction's text."""
        if self._globals is None:  # once per translation: a 20,000-stage file has one list
            self._globals = [i for i in self.df.instructions if i.stage is None]
        defined: dict[str, str] = {}
        for ins in [*self._globals, *stage.instructions]:
            if ins.keyword in ("ENV", "ARG") and ins.arguments:
                for m in _ENV_PAIR.finditer(ins.arguments_text):
                    defined[m[1]] = ins.arguments_text
        return defined

    def image_runtime(
        self, stage: Stage, scripts: dict[int, ShellScript], info: StageInfo
    ) -> tuple[list[tuple[str, str]], Instruction | None]:
        """What the final stage's Debian base carried for its users, and where it goes.

        (``ca-certificates`` of ``buildpack-deps``: ``debian-idioms.json``'s
        ``image_runtime``), unless a RUN of the stage installs it by name; inserted before
        the stage's first RUN.
        """
        image = self.stage_image.get(stage.index)
        if image is None or not info.final:
            return [], None
        carried = set(debian_commands().image_packages(*image))
        named = {o.name for s in scripts.values() for o in self.apt_operands(s) if o.name}
        out: list[tuple[str, str]] = []
        for debian, why in debian_idioms().image_runtime.items():
            rule = lookup(debian)
            if debian not in carried or debian in named or rule is None:
                continue
            out += [
                (p, f"{image[0]}:{image[1]} carried {debian}: {why}")
                for p in rule.apk
                if p not in self.base_packages and p not in {q for q, _ in out}
            ]
        if not out or len(stage.instructions) < 2:
            return [], None
        # apk needs root: not after a USER (of this stage, or of one it is built FROM)
        parent = stage.parent
        while parent is not None:
            if any(i.keyword == "USER" for i in self.df.stages[parent].instructions):
                self.report.note(
                    stage.position.line,
                    Category.PACKAGES,
                    f"{', '.join(p for p, _ in out)} not added: a stage this one is built FROM "
                    "sets USER, and apk needs root (add it there, before the USER)",
                )
                return [], None
            parent = self.df.stages[parent].parent
        at = next((i for i in stage.instructions[1:] if i.keyword in ("RUN", "USER")), None)
        if at is None or at.keyword == "USER":
            at = stage.instructions[1]
        return out, at

    def build_moves(
        self, stage: Stage, scripts: dict[int, ShellScript], consumers: frozenset[int]
    ) -> dict[int, int]:
        """RUNs of the final stage installing for the one later RUN that builds (see StageInfo).

        Only when that RUN installs nothing itself (its own group would replace the moved
        one) and is a plain command list the group's install and deletion can wrap.
        """
        if stage.index != len(self.df.stages) - 1 or len(consumers) != 1:
            return {}
        (k,) = consumers
        target = self.df.instructions[k]
        script = scripts[k]
        if (
            target.json_form
            or target.heredocs
            or self.apt_operands(script)
            or not plain_list(script.commands)
        ):
            return {}
        return {
            i: k
            for i, s in scripts.items()
            if i < k and any(o.kind is Kind.BUILD for o in self.apt_operands(s))
        }

    def move_paths(self, stage: Stage, installed: set[str], vendor: VendorRepo | None) -> None:
        """Paths that are elsewhere on Alpine (``/usr/bin/tini`` → ``/sbin/tini``).

        With ``vendor`` (a publisher's repository Alpine's own packages stand for), its
        Debian paths too, in ENV as well (``/usr/lib/postgresql/$PG_MAJOR/bin`` →
        ``/usr/libexec/postgresql$PG_MAJOR``).
        """
        moves = paths.moves_for(installed | self.base_packages)
        vendor_why = (
            f"Alpine's packages of {vendor.name}'s software have it there" if vendor else ""
        )
        for ins in stage.instructions[1:]:
            named = ins.keyword in paths.KEYWORDS
            if not named and not (vendor is not None and ins.keyword == "ENV"):
                continue
            start = self.editor.line_start(ins.start_line)
            end = self.editor.line_start(ins.end_line + 1)
            for a, b, old, new in vendor.moved(self.editor.text[start:end]) if vendor else ():
                if self.editor.add(start + a, start + b, new):
                    self.report.change(
                        ins.start_line,
                        Category.PACKAGES,
                        f"{old} → {new}",
                        vendor_why,
                    )
            for hit in paths.find(self.editor.text[start:end], moves) if named else ():
                m = hit.move
                if not self.editor.add(start + hit.start, start + hit.end, m.alpine):
                    continue
                where = f"Alpine's {m.package} package" if m.package else "Alpine's base image"
                self.report.change(
                    ins.start_line,
                    Category.BASE if m.package is None else Category.PACKAGES,
                    f"{m.debian} → {m.alpine}",
                    f"{where} has it there ({m.source.split(';')[-1].strip()})"
                    if m.package
                    else f"{where} has it there, not where Debian does",
                )

    def index(self) -> PackageIndex | None:
        """The release's package index (loaded once, when first needed), or None."""
        if callable(self._index):
            self._index = self._index()
        return self._index

    def settle_unmapped(self, stage: Stage, first: int, first_stop: int = 0) -> None:
        """Keep unmapped names Alpine has; put a stopping block before the rest (AR620).

        ``first``, ``first_stop``: the stage's first entries in the report's unmapped and
        stop lists.
        """
        r = self.report
        runs = [i for i in stage.instructions if i.keyword == "RUN"]
        stops: dict[int, list[str]] = {}
        missing: dict[int, list[str]] = {}
        kept: list[int] = []
        bundled = self.base_packages | frozenset(apk_sonames().values())
        for k in range(first, len(r.unmapped)):
            name, line, kind, why = r.unmapped[k]
            ins = next((i for i in runs if i.start_line <= line <= i.end_line), None)
            if ins is None:
                continue
            if kind is UnmappedKind.PACKAGE and why.startswith(blocks.NO_RULE):
                base = name.split("=", 1)[0].split(":", 1)[0]
                how = blocks.package_kept(base, self.release, self.index(), bundled)
                if how is not None:
                    kept.append(k)
                    r.change(line, Category.PACKAGES, f"{base} kept", f"the same name: {how}")
                elif base not in missing.setdefault(ins.index, []):
                    missing[ins.index].append(base)
                continue
            msg = blocks.stop_reason(name, kind, why)
            if msg is not None:
                stops.setdefault(ins.index, []).append(msg)
        for line, msg in r.stops[first_stop:]:
            ins = next((i for i in runs if i.start_line <= line <= i.end_line), None)
            if ins is not None:
                stops.setdefault(ins.index, []).append(msg)
        for idx, names in missing.items():
            msg = blocks.package_stop(names, self.release, self.index() is not None)
            stops.setdefault(idx, []).insert(0, msg)
        r.unmapped[first:] = [u for k, u in enumerate(r.unmapped[first:], first) if k not in kept]
        for idx, msgs in stops.items():
            ins = self.df.instructions[idx]
            indent = self.editor.line_text(ins.start_line)[: ins.position.column - 1]
            self.editor.insert_before_line(
                ins.start_line, blocks.block(indent, self.editor.newline, msgs), first=True
            )
            r.note(
                ins.start_line,
                Category.PACKAGES,
                "the build stops at a marked block before this RUN: " + "; ".join(msgs),
                code=blocks.STOP_CODE,
            )

    def www_data_at(self, stage: Stage) -> Instruction | None:
        """The first instruction using the ``www-data`` user when nothing before makes it."""
        for ins in stage.instructions[1:]:
            use = uses_www_data(ins.keyword, ins.original)
            if use is None:
                return None
            if use:
                return ins
        return None

    def check_names(self, installs: list[tuple[str, int]], scripts: dict[int, ShellScript]) -> None:
        """AR604 for each installed name the release's package index does not have."""
        if not installs:
            return
        index = self.index()
        if index is None:
            return
        names = {n for n, _ in installs}
        # commands the stage runs that none of its packages provides, by the index
        unprovided: dict[str, str] = {}
        for script in scripts.values():
            for cmd in script.commands:
                prog = cmd.program
                who = index.command_provider(prog) if prog else None
                if prog and who and who not in names and who not in self.base_packages:
                    unprovided.setdefault(prog, who)
        done: set[str] = set()
        for name, line in installs:
            if name in done or index.provider(name) is not None:
                continue
            done.add(name)
            self.report.note(
                line,
                Category.PACKAGES,
                missing_package_message(name, index, unprovided),
                code=MISSING_CODE,
            )

    def all_scripts(self) -> list[ShellScript]:
        """Every RUN of the file, parsed (a later stage ``FROM`` this one runs its tools)."""
        if self._all_scripts is None:
            self._all_scripts = [
                parse_run(ins, self.df.scopes.shell(ins), budget=self.shell_budget)
                for ins in self.df.instructions
                if ins.keyword == "RUN"
            ]
        return self._all_scripts

    def env_package_lists(
        self, stage: Stage, scripts: dict[int, ShellScript]
    ) -> dict[str, list[str]]:
        """Map the Debian names of an ENV/ARG list an ``apt-get install $VAR`` installs.

        ``ENV PHPIZE_DEPS autoconf dpkg-dev … pkg-config`` installed as ``$PHPIZE_DEPS``:
        the words of the variable's value are mapped in place (a companion such as
        dpkg's is added next to its package, a name already in the list is not repeated);
        the RUN keeps ``$PHPIZE_DEPS``.  Returns each mapped list's Alpine names.
        """
        used = {
            m.group(1)
            for script in scripts.values()
            for cmd in find_commands(script, "apt-get", "apt")
            if cmd.subcommand == "install"
            for w in cmd.operands
            if (m := _VAR_WORD.match(w.raw)) is not None
        }
        facts = debian_idioms()
        lists: dict[str, list[str]] = {}
        for ins in stage.instructions:
            if ins.keyword not in ("ENV", "ARG") or len(ins.arguments) < 1:
                continue
            key = ins.arguments[0].split("=", 1)[0]
            if key not in used or len(ins.arguments) > 2:
                continue
            have = lists.setdefault(key, [])
            edits: list[tuple[int, int, int, str, list[str], str]] = []
            for no in range(ins.start_line, ins.end_line + 1):
                text = self.editor.line_text(no)
                start = self.editor.line_start(no)
                for m in _LIST_WORD.finditer(text):
                    word = m.group(2)
                    if no == ins.start_line and m.start(2) <= text.find(key) + len(key):
                        continue  # the keyword and the key
                    rule = lookup(word)
                    if rule is None:
                        have.append(word)
                        continue
                    names = list(rule.apk_for(self.release))
                    for n in list(names):
                        comp = facts.companions.get(n)
                        if comp is not None and comp[0] not in names:
                            names.append(comp[0])
                    edits.append((no, start + m.start(2), start + m.end(2), word, names, rule.note))
                    have.extend(names)
            headers = build_tools().meta_packages.get("libc-dev", frozenset())
            written: set[str] = set()
            for no, a, b, word, names, note in edits:
                new = [
                    n
                    for n in dict.fromkeys(names)
                    if n not in written and not ("libc-dev" in have and n in headers)
                ]
                written.update(new)
                if new == [word]:
                    continue
                line_start = self.editor.line_start(no)
                rest = (
                    self.editor.line_text(no)[: a - line_start]
                    + self.editor.line_text(no)[b - line_start :]
                )
                if not new and rest.strip() in ("", "\\"):
                    self.editor.add(line_start, self.editor.line_start(no + 1), "")
                else:
                    self.editor.add(a, b, " ".join(new))
                self.report.change(
                    no,
                    Category.PACKAGES,
                    f"{key}: {word} → {' '.join(new) or '(nothing: already in the list)'}",
                    f"the list is installed with apt-get install ${key}: Alpine's names"
                    + (f" ({note})" if note else ""),
                )
            lists[key] = list(dict.fromkeys(n for n in have if n in written or n not in headers))
        return lists

    def apt_operands(self, script: ShellScript) -> list[Operand]:
        """The mapped operands of every ``apt-get install`` of a script."""
        return [
            read_operand(w, self.release)
            for cmd in find_commands(script, "apt-get", "apt")
            if cmd.subcommand == "install"
            for w in cmd.operands
        ]

    def bash_plan(
        self, stage: Stage, scripts: dict[int, ShellScript]
    ) -> tuple[Instruction | None, dict[int, list[str] | None]]:
        """Where bash is first needed, and each bash SHELL's fate (ash args or keep)."""
        need: Instruction | None = None
        plan: dict[int, list[str] | None] = {}
        current: Instruction | None = None
        bashism: dict[int, str] = {}
        for ins in stage.instructions:
            if ins.keyword == "SHELL":
                current = ins if ins.arguments and is_bash(ins.arguments[0]) else None
                if current is not None:
                    plan[ins.index] = ash_shell(ins.arguments)
            elif ins.keyword == "RUN":
                script = scripts[ins.index]
                why = bash_only(script)
                if why and current is not None:
                    bashism[current.index] = why
                    plan[current.index] = None
                elif why:
                    self.report.note(
                        ins.start_line,
                        Category.SHELL,
                        f"uses {why}, which neither Debian's dash nor busybox "
                        "ash runs: run it with bash",
                    )
                uses_bash = any(
                    is_bash(c.program) or find_runs_bash(c) for c in script.commands
                ) or "bash" in (script.shebang or "")
                if uses_bash and need is None:
                    need = ins
            elif ins.keyword in ("COPY", "ADD") and any(
                is_bash(_interpreter(line)) for _, line in self.copied_shebangs(ins)
            ):
                if need is None:
                    need = ins
            elif (
                ins.keyword in ("CMD", "ENTRYPOINT")
                and ins.json_form
                and ins.arguments
                and is_bash(ins.arguments[0])
                and need is None
            ):
                need = ins
        for idx, args in plan.items():
            if args is None:
                shell_ins = self.df.instructions[idx]
                if need is None or idx < need.index:
                    need = shell_ins
                self.report.note(
                    shell_ins.start_line,
                    Category.SHELL,
                    "SHELL keeps bash"
                    + (
                        f": a RUN uses {bashism[idx]}"
                        if idx in bashism
                        else ": its options are bash-only"
                    ),
                )
        return need, plan

    # -- instructions ----------------------------------------------------------------------
    def run_instruction(self, ins: Instruction, script: ShellScript, info: StageInfo) -> None:
        if ins.json_form or not script.commands:
            return
        rw = RunRewriter(self.editor, ins, script, info, self.report)
        result = rw.rewrite()
        if result.implicit and not result.deleted:
            names = [n for n, _ in result.implicit]
            self.insert_run(ins, "apk add --no-cache " + " ".join(names))
            for name, why in result.implicit:
                self.report.installed(name, ins.start_line)
                self.report.change(
                    ins.start_line,
                    Category.PACKAGES,
                    f"RUN apk add --no-cache {name} inserted",
                    why,
                )
        if result.apk_added and not result.deleted:
            self.pragma(ins)
            if result.kept_build and info.final:
                indent = self.editor.line_text(ins.start_line)[: ins.position.column - 1]
                self.editor.insert_before_line(
                    ins.start_line,
                    f"{indent}{KEPT_BUILD} {', '.join(result.kept_build)} stay in the image, "
                    f"as the Debian file keeps them{self.editor.newline}",
                )
                self.report.change(
                    ins.start_line,
                    Category.LINT,
                    "# alpine-ready ignore=AR205 added",
                    f"the Debian file installs {', '.join(result.kept_build)} for good "
                    "(no build in this RUN, no purge): kept, and lint told it is on purpose",
                )

    def pragma(self, ins: Instruction) -> None:
        """``# hadolint ignore=DL3018`` above a RUN whose apk add is unpinned."""
        prev_no = ins.start_line - 1
        prev = self.editor.line_text(prev_no).strip() if prev_no >= 1 else ""
        if prev.startswith("# hadolint ignore="):
            codes = [c.strip() for c in prev.split("=", 1)[1].split(",") if c.strip()]
            new_codes: list[str] = []
            for c in codes:
                mapped = _APT_CODES.get(c, c)
                if mapped and mapped not in new_codes:
                    new_codes.append(mapped)
            if "DL3018" not in new_codes:
                new_codes.append("DL3018")
            line = self.editor.line_text(prev_no)
            indent = line[: len(line) - len(line.lstrip())]
            start = self.editor.line_start(prev_no)
            self.editor.add(
                start, start + len(line), f"{indent}# hadolint ignore={','.join(new_codes)}"
            )
            self.report.change(
                prev_no,
                Category.LINT,
                "hadolint pragma updated for apk",
                "apt rule codes mapped to their apk twins; versions are not "
                "pinned by the translation",
            )
            return
        indent = self.editor.line_text(ins.start_line)[: ins.position.column - 1]
        nl = self.editor.newline
        text = (f"{indent}{PRAGMA_WHY}{nl}" if not self.explained else "") + f"{indent}{PRAGMA}{nl}"
        self.explained = True
        self.editor.insert_before_line(ins.start_line, text)
        self.report.change(
            ins.start_line,
            Category.LINT,
            "# hadolint ignore=DL3018 added",
            "the translation does not pin apk package versions (Debian "
            "versions do not exist on Alpine)",
        )

    def insert_run(self, before: Instruction, command: str, comment: str | None = None) -> None:
        """Insert ``RUN command`` before an instruction: with its pragma, or ``comment``."""
        indent = self.editor.line_text(before.start_line)[: before.position.column - 1]
        nl = self.editor.newline
        if comment is not None:
            self.editor.insert_before_line(
                before.start_line, f"{indent}{comment}{nl}{indent}RUN {command}{nl}"
            )
            return
        text = (
            f"{indent}{PRAGMA_WHY}{nl}" if not self.explained else ""
        ) + f"{indent}{PRAGMA}{nl}{indent}RUN {command}{nl}"
        self.explained = True
        self.editor.insert_before_line(before.start_line, text)

    def env(self, ins: Instruction) -> None:
        """Drop ``DEBIAN_FRONTEND`` from ENV."""
        args = ins.arguments
        keys = [args[i] for i in range(0, len(args) - 1, 2)]
        if "DEBIAN_FRONTEND" not in keys:
            return
        why = "DEBIAN_FRONTEND means nothing to apk"
        if all(k == "DEBIAN_FRONTEND" for k in keys):
            self.editor.delete_lines(ins.start_line, ins.end_line)
            self.report.change(ins.start_line, Category.CLEANUP, "ENV DEBIAN_FRONTEND removed", why)
            return
        pos = ins.argument_positions
        for p, k in enumerate(keys):
            if k != "DEBIAN_FRONTEND":
                continue
            kpos, vpos = pos[2 * p], pos[2 * p + 1]
            if kpos is None or vpos is None:
                continue
            end = self._word_end(vpos.line, vpos.column - 1)
            if p + 1 < len(keys) and pos[2 * p + 2] is not None:
                nxt = pos[2 * p + 2]
                assert nxt is not None
                self.editor.add(self.editor.offset(kpos), self.editor.offset(nxt), "")
            else:
                prev_v = pos[2 * p - 1]
                assert prev_v is not None
                prev_end = self._word_end(prev_v.line, prev_v.column - 1)
                self.editor.add(prev_end, end, "")
            self.report.change(kpos.line, Category.CLEANUP, "DEBIAN_FRONTEND removed from ENV", why)

    def _word_end(self, line: int, col0: int) -> int:
        """Offset just after the unquoted word starting at ``col0`` of ``line``."""
        text = self.editor.line_text(line)
        i = col0
        quote = ""
        while i < len(text):
            ch = text[i]
            if quote:
                if ch == quote:
                    quote = ""
            elif ch in "'\"":
                quote = ch
            elif ch == self.df.escape:
                i += 1
            elif ch.isspace():
                break
            i += 1
        return self.editor.line_start(line) + min(i, len(text))

    def arg(self, ins: Instruction) -> None:
        """Drop ``ARG DEBIAN_FRONTEND``."""
        if len(ins.arguments) == 1 and ins.arguments[0].split("=", 1)[0] == "DEBIAN_FRONTEND":
            self.editor.delete_lines(ins.start_line, ins.end_line)
            self.report.change(
                ins.start_line,
                Category.CLEANUP,
                "ARG DEBIAN_FRONTEND removed",
                "DEBIAN_FRONTEND means nothing to apk",
            )

    def shell(self, ins: Instruction, ash: list[str] | None) -> None:
        """A bash ``SHELL`` becomes ash when nothing after it needs bash."""
        if ash is None or not ins.json_form:
            return
        line = self.editor.line_text(ins.start_line)
        start = line.find("[", ins.position.column - 1)
        end = line.rfind("]")
        if start < 0 or end < start or ins.start_line != ins.end_line:
            return
        base = self.editor.line_start(ins.start_line)
        self.editor.add(base + start, base + end + 1, json.dumps(ash))
        self.report.change(
            ins.start_line,
            Category.SHELL,
            f"SHELL {json.dumps(list(ins.arguments))} → {json.dumps(ash)}",
            "busybox ash is in every Alpine image and has the same options "
            "(set -o pipefail included); no RUN here needs bash",
        )

    def copied_shebangs(self, ins: Instruction) -> list[tuple[str, str]]:
        """(source, its ``#!`` line) of the scripts a COPY/ADD brings from the build context.

        Only files inside the context (no ``..``, no link out of it), first line only.
        """
        if self.context is None or ins.flag("from") is not None or ins.json_form:
            return []
        root = self.context.resolve()
        found: list[tuple[str, str]] = []
        for src in (a for a in ins.arguments[:-1] if not a.startswith("--")):
            if "://" in src or ".." in Path(src).parts or src.startswith("/") or "**" in src:
                continue
            try:
                paths = sorted(root.glob(src)) if any(c in src for c in "*?[") else [root / src]
                for path in paths[: _LISTED * 4]:
                    real = path.resolve()
                    if not real.is_relative_to(root) or not real.is_file():
                        continue
                    with real.open("rb") as fh:
                        head = fh.read(256).split(b"\n", 1)[0]
                    if head.startswith(b"#!"):
                        found.append((src, head.decode("utf-8", "replace")))
            except OSError:
                continue
        return found

    def copy(self, ins: Instruction) -> None:
        """Note shell scripts copied in whose shebang cannot be read here (no context)."""
        sources = [a for a in ins.arguments[:-1] if not a.startswith("--")]
        scripts = [s for s in sources if s.endswith(".sh") or "entrypoint" in s.lower()]
        read = {src for src, _ in self.copied_shebangs(ins)}
        for src, line in self.copied_shebangs(ins):
            if is_bash(_interpreter(line)):
                self.report.change(
                    ins.start_line,
                    Category.SHELL,
                    f"{src}: {line}",
                    "a bash script the build context holds: bash is installed in this stage "
                    "(Debian's base has it, Alpine's does not)",
                )
        scripts = [s for s in scripts if s not in read]
        if scripts and ins.flag("from") is None:
            self.report.note(
                ins.start_line,
                Category.SHELL,
                f"{', '.join(scripts)}: copied in, so its shebang is not "
                "visible here -- if it starts with #!/bin/bash, install bash "
                "(apk add bash) or make it POSIX sh",
            )
        if ins.keyword == "ADD":
            for i, a in enumerate(ins.arguments[:-1]):
                pos = ins.argument_positions[i]
                rw = musl_url(a)
                if rw is not None and pos is not None:
                    at = self.editor.offset(pos)
                    if self.editor.text[at : at + len(a)] == a:
                        self.editor.add(at, at + len(a), rw.new)
                        self.report.change(pos.line, Category.DOWNLOAD, f"{a} → musl build", rw.why)
                        continue
                hit = glibc_hint(a)
                if hit is not None:
                    self.report.note(
                        ins.start_line,
                        Category.DOWNLOAD,
                        f"ADD downloads {hint_text(hit)}: it will not run on musl",
                    )


def _interpreter(shebang: str) -> str | None:
    """The program a ``#!`` line runs: ``#!/usr/bin/env bash`` is bash."""
    words = shebang[2:].split()
    if not words:
        return None
    if words[0].endswith("/env") and len(words) > 1:
        rest = [w for w in words[1:] if not w.startswith("-")]
        return rest[0] if rest else None
    return words[0]


__all__ = ["Kind", "TranslateError", "translate_text"]
