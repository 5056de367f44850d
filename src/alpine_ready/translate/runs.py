"""One RUN's shell commands rewritten for Alpine, as edits at their file positions.

What each command becomes (see :func:`RunRewriter.classify`): ``apt-get update``/
``clean``, apt list removal, locale generation and ``export DEBIAN_FRONTEND`` are deleted;
``apt-get install`` becomes ``apk add --no-cache`` with names mapped (build-only ones in a
``--virtual .build-deps`` group deleted at the end of the RUN when that is safe);
``apt-get purge``/``remove`` become ``apk del``; user/group commands become busybox's;
known glibc download URLs switch to their musl builds.  A deleted command takes one
neighbouring operator with it, so continuation layout and the other lines stay as they
were; where the text around it is not a plain ``&&``/``;`` list it becomes ``true``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise

from ..dockerfile import Instruction, ParsedCommand, Position, ShellScript, SimpleCommand, Word
from ..dockerfile import parse_command as _parse_command
from ..knowledge.apt import Kind, debian_idioms, lookup, release_key
from ..knowledge.basecommands import base_commands
from ..knowledge.build import build_tools
from ..knowledge.busyboxopts import WGET_VALUE_LETTERS, applet_name, busybox_options, gnu_options
from ..knowledge.debcommands import ImplicitCommand, debian_commands
from ..knowledge.distros import DEBIAN_FAMILIES, distro_tools
from ..knowledge.sourcebuilds import LeftOut, SourceBuild, source_build_in
from ..knowledge.vendorrepos import VendorRepo
from . import users
from .downloads import UrlRewrite, glibc_hint, hint_text, musl_url, rename_target
from .edits import Editor, clean_gap
from .idioms import (
    AptMarkIdiom,
    arch_variable_uses,
    debian_arch,
    extracts_download,
    find_apt_mark_idiom,
    map_case_arms,
    rundeps_commands,
)
from .model import Category, UnmappedKind
from .packages import VIRTUAL, Layout, Operand, apk_add, layout_of, read_operand
from .shells import is_bash
from .vendor import RELEASE_EXPR, alpine_pins, keyring_writer, sources_line, writes_apt_sources

_DISTROS = distro_tools()
#: Programs that build native code (``build-tools.json``): build-only packages must still
#: be there for them.
CONSUMERS = build_tools().build_commands
_APT_PATHS = _DISTROS.apt_state
_LOCALE_PROGRAMS = _DISTROS.locale_tools
#: What the rewrite handles itself: apt-get/apt/aptitude, and dpkg-reconfigure of locales
#: and tzdata (any other use of it is kept as written).
_REWRITTEN = frozenset({"apt-get", "apt", "aptitude", "dpkg-reconfigure"})
#: Debian's other tools (``distro-tools.json``): reported, kept as written.
_DEBIAN_ONLY = _DISTROS.of_families(*DEBIAN_FAMILIES) - _REWRITTEN
_APT_DROP = {
    "update": "apk add --no-cache fetches the index itself",
    "clean": "apk add --no-cache leaves no package cache",
    "autoclean": "apk add --no-cache leaves no package cache",
    "upgrade": "upgrading the base image's packages in a build is discouraged "
    "(hadolint DL3017): pull a newer base instead",
    "dist-upgrade": "upgrading the base image's packages in a build is discouraged",
    "full-upgrade": "upgrading the base image's packages in a build is discouraged",
    "dist-clean": "apk add --no-cache leaves no package cache or lists",
}
#: Alpine packages that make a group a C build (kernel headers then needed).
C_TOOLCHAIN = frozenset({"gcc", "g++", "clang", "musl-dev", "build-base"})
#: a redirection into apt's configuration (``> /etc/apt/preferences.d/…``)
_APT_CONFIG_WRITE = re.compile(r">>?\s*[\"']?/etc/apt/")
#: commands that only write text (a RUN of them writing apt's configuration goes)
_TEXT_WRITERS = frozenset({"set", "echo", "printf", "cat", "true", ":"})
#: programs whose run means the RUN compiles (C headers are read)
_COMPILE_PROGRAMS = frozenset(
    {"configure", "make", "gcc", "cc", "g++", "c++", "clang", "cmake", "meson", "ninja"}
)
#: a shell function's definition: ``ddist() {``
_FUNCTION = re.compile(r"(?:^|[\s;&|({])(?:function\s+)?([A-Za-z_][\w-]*)\s*\(\s*\)")
#: user commands the rewrite turns into busybox's (their Debian package is not needed)
_USER_PROGRAMS = frozenset({"useradd", "groupadd", "usermod", "adduser", "addgroup"})


#: ``./configure --prefix=DIR``: where a build installs (the run-time idiom scans it)
_PREFIX_ANY = re.compile(r"--prefix[= ]([^\s;&|)]+)")
#: ``! { ldd FILES | grep 'not found'; }``: glibc's check for a missing library
_LDD_NOT_FOUND = re.compile(
    r"!\s*\{\s*ldd\s+(?P<files>[^|;&{}\n\\]+)\|\s*grep\s+(?:-q\s+)?"
    r"(?P<q>['\"])not found(?P=q)\s*;\s*\}"
)
#: a compound command's keyword: its branches are not told apart from the plain list
_COMPOUND = re.compile(r"(?<![\w$-])(?:case|if|for|while|until)(?![\w-])")
#: an ``apk del`` ending with the build group (its name replaced by every group's)
_DEL_GROUP = re.compile(rf"apk del --no-network(?: [^\s;&|]+)* {re.escape(VIRTUAL)}(?![\w.-])")
#: ``NAME=<64 hex digits>``: a pinned sha256
_SHA256_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=[0-9a-fA-F]{64}$")
#: Package managers among the consumers: only these subcommands can build native code.
_INSTALLERS: dict[str, frozenset[str | None]] = {
    "pip": frozenset({"install", "wheel", "download"}),
    "npm": frozenset({"install", "i", "ci", "add", "rebuild", "exec", "x"}),
    "yarn": frozenset({"install", "add", None}),
    "pnpm": frozenset({"install", "i", "add", "rebuild"}),
    "gem": frozenset({"install", "update"}),
    "bundle": frozenset({"install", "update", None}),
    "bundler": frozenset({"install", "update", None}),
}


def is_consumer(cmd: SimpleCommand) -> bool:
    """True for a command that compiles or installs native code."""
    prog = cmd.program or ""
    if prog.endswith("configure"):
        return True
    if prog in ("python", "python3"):
        return any(w.value in ("setup.py", "pip") for w in cmd.args[:2])
    if prog == "go":
        return bool(cmd.args) and cmd.args[0].value in ("build", "install", "generate")
    parsed = _parse_command(cmd)
    if parsed is None or parsed.program not in CONSUMERS:
        return False
    if parsed.program in _INSTALLERS:
        # `pip --version`, `npm config set …`, `gem env` build nothing
        return parsed.subcommand in _INSTALLERS[parsed.program]
    return True


def _in_list(cmd: SimpleCommand) -> bool:
    """True for a command of the plain list or of a pipeline in it (not nested, launched)."""
    return not (
        cmd.in_subshell
        or cmd.in_substitution
        or cmd.in_function
        or cmd.in_condition
        or cmd.background
        or cmd.via
        or cmd.args_from_stdin
    )


def top_level(cmd: SimpleCommand) -> bool:
    """True for a command of the script's plain list (not piped, nested or conditional)."""
    return _in_list(cmd) and not cmd.pipe_input and not cmd.pipe_output


def starts_unit(cmd: SimpleCommand) -> bool:
    """True for a plain-list command or the first command of a pipeline in the list."""
    return _in_list(cmd) and not cmd.pipe_input


def ends_unit(cmd: SimpleCommand) -> bool:
    """True for a plain-list command or the last command of a pipeline in the list."""
    return _in_list(cmd) and not cmd.pipe_output


def with_env_values(text: str, values: dict[str, str]) -> str:
    """``text`` and, after it, the ENV/ARG text of each variable it uses (``$URL``).

    ``values``: variable -> the text of the instruction setting it.  One pass over
    ``text``, however many variables there are.
    """
    used = set(_VAR_USE.findall(text))
    return "\n".join([text, *(v for k, v in values.items() if k in used)])


def units(cmds: Sequence[SimpleCommand]) -> list[SimpleCommand]:
    """The commands of a script's own list; a pipeline's commands all count.

    Not those inside a command substitution (``GNUPGHOME="$(mktemp -d)"``: they run
    within the command whose word they are) nor those another command launches
    (``xargs rm``).
    """
    return [c for c in cmds if not c.in_substitution and not c.via and not c.args_from_stdin]


def plain_list(cmds: Sequence[SimpleCommand]) -> bool:
    """True when the script is a plain list of commands and pipelines.

    Nothing of its own list runs in a subshell, a function, a condition or the background.
    """
    own = units(cmds)
    return bool(own) and not any(
        c.in_subshell or c.in_function or c.in_condition or c.background for c in own
    )


def span(cmd: SimpleCommand) -> tuple[Position, Position]:
    """Where the command's text starts (assignments included) and ends (redirects too)."""
    start = cmd.words[0].start if cmd.words else cmd.position
    end = cmd.end
    for r in cmd.redirects:
        start = min(start, r.position)
        if r.target is not None:
            end = max(end, r.target.end)
    return start, end


@dataclass
class Action:
    """What happens to one command."""

    kind: str  # keep | delete | install | remove | replace
    category: Category = Category.PACKAGES
    why: str = ""
    text: str = ""  # replace: the new command text
    parsed: ParsedCommand | None = None


@dataclass
class StageInfo:
    """What the RUN rewriter needs to know about its stage."""

    release: str
    final: bool
    later_consumers: frozenset[int]  # instruction indices of RUNs that build native code
    bash_installed: bool  # bash is (or will be) installed in the stage
    bash_wanted_until: int | None  # add bash to an apk add at or before this instruction
    groups_by_gid: dict[str, str] = field(default_factory=dict)
    c_toolchain: bool = False  # an earlier RUN of the stage installed a C compiler to stay
    #: Debian packages a busybox applet stands in for (wget) whose GNU-only options a RUN
    #: of the stage uses: only these are installed; the others are the applet's job
    gnu_tools_needed: frozenset[str] = frozenset()
    #: packages a meta package implies that no RUN of the file calls (build-essential's
    #: dpkg-dev where no dpkg-architecture runs): not installed on Alpine
    uncalled: frozenset[str] = frozenset()
    #: ENV/ARG lists an ``apt-get install $VAR`` installs: name -> the Alpine names
    env_lists: dict[str, list[str]] = field(default_factory=dict)
    base_packages: frozenset[str] = frozenset()  # in the Alpine base image already
    #: a RUN that only installs packages -> the one later RUN of the final stage that
    #: builds with them: its build-only packages move there as a deleted .build-deps group
    defer: dict[int, int] = field(default_factory=dict)
    deferred: dict[int, list[str]] = field(default_factory=dict)  # the moved names, by RUN
    #: Debian packages earlier RUNs of the stage (and this one) install: their Depends'
    #: commands were in the Debian image
    debian_installed: set[str] = field(default_factory=set)
    #: Alpine packages earlier RUNs of the stage install
    apk_installed: set[str] = field(default_factory=set)
    #: a base that carried Debian's tools (``buildpack-deps:bookworm``): its name, the
    #: commands its packages ship, and where it carried a compiler, its build-only
    #: packages' Alpine names and the RUNs that build with them (nothing installed there)
    image: str = ""
    image_commands: dict[str, ImplicitCommand] = field(default_factory=dict)
    image_build: list[str] = field(default_factory=list)
    image_build_runs: set[int] = field(default_factory=set)
    #: the text of the ENV/ARG setting each variable (a source URL in ``$VAR``)
    env_values: dict[str, str] = field(default_factory=dict)
    #: the final stage or one it is built FROM (its layers ship)
    shipped: bool = False
    #: RUNs downloading from a host busybox's wget fails on: GNU wget stays installed
    wget_runs: frozenset[int] = frozenset()
    #: the stage builds on Node's image (``node:…``): node-gyp builds native modules
    node_base: bool = False
    #: a publisher's apt repository whose software Alpine's own repositories carry
    #: (PGDG → postgresqlNN): its names, paths and Debian-only files
    vendor: VendorRepo | None = None


@dataclass
class RunResult:
    """What one RUN's rewrite did (the edits are in the editor)."""

    apk_added: bool = False
    bash_added: bool = False
    deleted: bool = False
    #: build-only packages installed for good in a RUN that builds nothing (kept as the
    #: Debian file keeps them: PHP's phpize toolchain, Ruby's headers for native gems)
    kept_build: list[str] = field(default_factory=list)
    #: commands the RUN calls that Debian had implicitly and Alpine lacks, in a RUN that
    #: installs nothing: (Alpine package, why), installed by a RUN inserted before it
    implicit: list[tuple[str, str]] = field(default_factory=list)


def gnu_only_used(cmd: SimpleCommand, gnu_only: frozenset[str]) -> list[str]:
    """The options of ``cmd`` in ``gnu_only`` (``--progress=dot:giga`` is ``--progress``)."""
    used: list[str] = []
    for w in cmd.args:
        v = w.value
        if v == "--":
            break
        if v.startswith("--"):
            name = v.split("=", 1)[0]
            if name in gnu_only:
                used.append(name)
        elif v.startswith("-") and len(v) > 1:
            for c in v[1:]:  # a cluster (-qN); a letter taking a value ends it (-O-)
                if f"-{c}" in gnu_only:
                    used.append(f"-{c}")
                if c in WGET_VALUE_LETTERS:
                    break
    return used


def _headers_twice(name: str, wanted: set[str]) -> bool:
    """``name`` is what ``libc-dev`` pulls (``musl-dev``: build-tools.json's meta packages).

    Alpine's own images write ``libc-dev``: it stays, ``musl-dev`` (gcc's companion) goes.
    Only that meta package: ``build-base`` next to ``gcc`` keeps both, as written.
    """
    return "libc-dev" in wanted and name in build_tools().meta_packages.get("libc-dev", ())


class RunRewriter:
    """Rewrites one RUN (shell form or heredoc script)."""

    def __init__(
        self,
        editor: Editor,
        ins: Instruction,
        script: ShellScript,
        stage: StageInfo,
        report: Report,
    ) -> None:
        """Prepare the rewrite of ``ins`` (its parsed ``script``)."""
        self.ed, self.ins, self.script, self.stage, self.report = editor, ins, script, stage, report
        self.cmds = list(script.commands)
        self.escape = editor.dockerfile.escape
        self.edits: list[tuple[int, int, str]] = []
        self.result = RunResult()
        self.run_apk: set[str] = set()  # the Alpine names the RUN's installs write
        self.group_extra: list[str] = []  # names a group of take_deferred installs
        self.sure_apk: set[str] = set()  # names installed outside any branch
        self.spans: dict[int, tuple[Position, Position]] = {}  # id(cmd) -> its widened span
        self.pre: dict[int, Action] = {}  # id(cmd) -> its action, decided by an idiom
        self.build_from: Position | None = None  # installs from here on are build-only
        self.moving_to: int | None = None  # build-only packages go to this later RUN
        #: the base's build-only packages still to add to this RUN's own group
        self.image_taken = False  # this RUN's own group took the base's packages
        self.image_pending = (
            bool(stage.image_build)
            and ins.index in stage.later_consumers
            and ins.index not in stage.image_build_runs
        )
        #: the --virtual groups this RUN's installs made (``.build-deps``, ``.build-deps-2``)
        self.virtual_names: list[str] = []
        self.virtual_top = True  # every group so far was installed in the RUN's own list
        self.group_deleted = False  # an `apk del` of the group came before (in RUN order)
        self.group_made = False  # this RUN installs a build group (apk add --virtual)
        self.group_sure = False  # … outside any branch: the group exists at the RUN's end
        #: no compound command (a `case` arm or `if` body is not told apart from the list)
        self.plain_text = not _COMPOUND.search(script.text)
        self.idiom = find_apt_mark_idiom(self.cmds)
        if self.idiom is not None and self.idiom_crosses_compound(self.idiom):
            self.idiom = None  # its commands stop the build instead (a hand edit)
        if self.idiom is not None:
            self.take_idiom()
        self.locale_checks()
        self.arch_edits()
        #: the publisher's repository this RUN's apt sources name (vendor-repos.json)
        self.vendor: VendorRepo | None = None
        #: apt's keyring for it is no longer made: gnupg is installed for nothing
        self.keyring_dropped = False
        #: the apt list file the repository's ``deb`` line was written to
        self.vendor_list: str | None = None
        #: variables holding the repository's package names (their pins made Alpine's)
        self.vendor_vars: set[str] = set()
        self.vendor_edits()
        #: a PHP build configured with iconv: musl's iconv is not the one PHP wants
        idioms = debian_idioms()
        self.php_iconv = "php" in script.text.lower() and any(
            (c.program or "").endswith("configure")
            and any(w.value.split("=", 1)[0] == idioms.php_iconv_option for w in c.args)
            for c in self.cmds
        )
        programs = {(c.program or "").rsplit("/", 1)[-1] for c in self.cmds}
        self.programs = frozenset(programs)
        #: the RUN runs an autotools configure script (OpenSSL's perl ``Configure`` is not one)
        #: the RUN compiles C (a compiler, make or a build-system generator runs)
        self.compiles = bool(programs & _COMPILE_PROGRAMS)
        #: a configure script runs: called, or one a Makefile runs that the RUN edits
        #: (redis's ``sed … 'cd jemalloc && ./configure …' deps/Makefile``, then make)
        self.configures = "configure" in programs or (
            self.compiles and _MAKEFILE_CONFIGURE.search(script.text) is not None
        )
        #: the RUN extracts, with tar, a source archive it downloads
        self.extracts_download = extracts_download(self.cmds)
        #: GNU package -> {program: the options busybox's applet lacks}
        self.gnu_needs: dict[str, dict[str, list[str]]] = {}
        #: (start, end) of option words dropped: they only change what the tool prints
        self.cosmetic: list[tuple[int, int]] = []
        for c in self.cmds:
            if (opts := gnu_options(c)) and not self.drop_cosmetic(c, opts):
                prog = applet_name(c) or ""
                pkg = busybox_options().applets[prog].gnu_package
                have = self.gnu_needs.setdefault(pkg, {}).setdefault(prog, [])
                have += [o for o in opts if o not in have]
        #: id(word) -> its musl download URL, for the words that fetch a glibc build
        self.rewrites: dict[int, UrlRewrite] = {
            id(w): rw for c in self.cmds for w in c.words if (rw := musl_url(w.raw)) is not None
        }
        #: a signed checksum list switched to the plain one the musl builds are in:
        #: id(word) -> its new text; the signed file's name (gone from ``rm``)
        self.sums_words: dict[int, str] = {}
        self.sums_signed: str | None = None
        self.sums_take()
        #: what the musl builds this RUN downloads need at run time: (package, why)
        self.download_runtime = [
            (pkg, rw.runtime_why) for rw in self.rewrites.values() for pkg in rw.runtime
        ]

    # -- helpers ---------------------------------------------------------------------------
    def drop_cosmetic(self, cmd: SimpleCommand, opts: list[str]) -> bool:
        """Drop ``opts`` when every one only changes output and busybox's applet runs.

        ``wget --progress=dot:giga`` on busybox's wget: "unrecognized option", and the
        build fails.  The official images' Alpine variants drop such options; GNU wget is
        installed only for an option that does something (``gnu_tools_needed``), or for
        a download busybox's wget fails on (``wget_runs``).
        """
        prog = applet_name(cmd) or ""
        cosmetic = debian_idioms().cosmetic_options.get(prog)
        pkg = busybox_options().applets[prog].gnu_package
        if (
            not cosmetic
            or not all(o in cosmetic for o in opts)
            or pkg in self.stage.apk_installed
            or pkg in self.stage.gnu_tools_needed
            or (prog == "wget" and self.ins.index in self.stage.wget_runs)
        ):
            return False
        words = list(cmd.words)
        hits = [k for k, w in enumerate(words) if k and w.value.split("=", 1)[0] in opts]
        if not all(words[k].static for k in hits):
            return False
        for k in hits:
            w = words[k]
            last = w
            if cosmetic[w.value.split("=", 1)[0]] and "=" not in w.value and k + 1 < len(words):
                last = words[k + 1]  # `--progress dot:giga`: the value is the next word
            self.cosmetic.append((self.off(words[k - 1].end), self.off(last.end)))
            text = self.ed.text[self.off(w.start) : self.off(last.end)]
            self.report.change(
                cmd.position.line,
                Category.PACKAGES,
                f"`{_short(text, 40)}` dropped",
                f'busybox\'s {prog} lacks it ("unrecognized option": the RUN would fail) and '
                f"it only changes what {prog} prints; GNU {prog} is not installed for it, as "
                "the official images' Alpine variants do",
            )
        return True

    def span(self, cmd: SimpleCommand) -> tuple[Position, Position]:
        """The command's span (an idiom's first command spans the whole idiom)."""
        return self.spans.get(id(cmd)) or span(cmd)

    # -- Debian idioms ---------------------------------------------------------------------
    def take_idiom(self) -> None:
        """The ``savedAptMark`` … ``apt-get purge --auto-remove`` block → Alpine's idiom."""
        idiom = self.idiom
        assert idiom is not None
        gone = {id(c) for c in (*idiom.covered, idiom.last, *idiom.saved_inner)}
        self.cmds = [c for c in self.cmds if id(c) not in gone]
        self.spans[id(idiom.first)] = (self.span(idiom.first)[0], self.span(idiom.last)[1])
        text = self.idiom_join().join(rundeps_commands(idiom.root))
        self.pre[id(idiom.first)] = Action(
            "replace",
            Category.PACKAGES,
            "Alpine's run-time-dependency idiom: the libraries of what was built "
            f"under {idiom.root} (scanelf --needed) become so: names kept in a "
            f"{RUNDEPS_GROUP} group, and the {VIRTUAL} group leaves",
            text,
        )
        if idiom.saved is not None:
            self.pre[id(idiom.saved)] = Action(
                "delete",
                Category.PACKAGES,
                f"apt-mark's bookkeeping: the {VIRTUAL} group says what is build-only",
            )
            self.build_from = idiom.saved.position
        else:
            self.build_from = self.cmds[0].position

    def locale_checks(self) -> None:
        """``locale -a | grep 'en_US.utf8'`` after the RUN generated that locale: it goes.

        It checks glibc's generated locale, which musl has no generation of (and Alpine's
        base no ``locale`` command): the pipeline would fail the build.
        """
        if not any(c.program in _LOCALE_PROGRAMS for c in self.cmds):
            return
        for k, c in enumerate(self.cmds):
            if not (
                c.program == "locale"
                and starts_unit(c)
                and c.pipe_output
                and any(w.value in ("-a", "--all-locales") for w in c.args)
            ):
                continue
            members = [c]
            while members[-1].pipe_output and k + len(members) < len(self.cmds):
                members.append(self.cmds[k + len(members)])
            why = f"checking the generated locale (`locale -a | …`): {_LOCALE_WHY}"
            for m in members:
                self.pre[id(m)] = Action("delete", Category.LOCALE, why)

    def idiom_crosses_compound(self, idiom: AptMarkIdiom) -> bool:
        """True when the idiom's block opens or closes a compound command it does not hold.

        The block is replaced as one span: replacing it would cut an ``if`` … ``fi`` apart
        (a ``{ …; }`` wholly inside it goes with it).
        """
        return self.crosses_compound([idiom.first, *idiom.covered, idiom.last])

    def crosses_compound(self, commands: Sequence[SimpleCommand]) -> bool:
        """True when the text from the first to the last command is not whole compounds."""
        block = [
            c
            for c in commands
            if not c.in_substitution and not c.via  # inside another command's words
        ]
        depth = 0  # compound commands opened in the block and not yet closed
        for a, b in pairwise(block):
            gap = self.ed.text[self.off(span(a)[1]) : self.off(span(b)[0])]
            gap = re.sub(r"#[^\n]*", "", gap)
            for w in re.findall(r"(?<![\w$-])[a-z]+(?![\w-])|[{}]|(?<!\$)\(|\)", gap):
                depth += _OPENS.get(w, 0)
                if depth < 0:  # closes what was opened before the block
                    return True
        return depth != 0

    def idiom_join(self) -> str:
        """The separator the idiom's commands had (a semicolon, continuation, indent)."""
        idiom = self.idiom
        assert idiom is not None
        block = [idiom.first, *idiom.covered, idiom.last]
        for a, b in pairwise(block):
            raw = self.ed.text[self.off(span(a)[1]) : self.off(span(b)[0])]
            if (
                not (a.pipe_output or b.pipe_input)
                and clean_gap(raw, self.escape)
                and "#" not in raw
            ):
                return raw
        return self.join_style()

    def arch_edits(self) -> None:
        """``dpkg --print-architecture`` and ``dpkg-architecture --query``."""
        facts = debian_idioms()
        body_start = self.off(self.ins.position)
        body = self.ed.text[body_start : self.ed.line_start(self.ins.end_line + 1)]
        for k, cmd in enumerate(self.cmds):
            prog = cmd.program
            values = [w.value for w in cmd.args]
            if prog == "dpkg" and values == ["--print-architecture"]:
                outer = self.cmds[k + 1] if k + 1 < len(self.cmds) else None
                var = None
                if outer is not None and outer.program is None and outer.assignments:
                    var = outer.assignments[0].value.split("=", 1)[0]
                uses, known = arch_variable_uses(body, var) if var else (1, 0)
                if var and uses == known:
                    text = "apk --print-arch"
                    why = "Alpine's architecture names; the case arms testing it are renamed"
                    for s, e, new in map_case_arms(body, var):
                        self.edits.append((body_start + s, body_start + e, new))
                else:
                    text = debian_arch()
                    why = (
                        "Alpine's architecture name mapped back to Debian's: the value is "
                        "used beyond case arms (download names)"
                    )
                self.pre[id(cmd)] = Action("replace", Category.PACKAGES, why, text)
            elif prog == "dpkg-architecture":
                names = [v.removeprefix("-q").removeprefix("--query=") for v in values]
                names = [n for n in names if n not in ("-q", "--query", "")]
                if len(names) == 1 and names[0] in facts.gnu_types:
                    self.pre[id(cmd)] = Action(
                        "replace",
                        Category.PACKAGES,
                        f"{names[0]} is {facts.gnu_types[names[0]]}",
                        "gcc -dumpmachine",
                    )
                elif len(names) == 1 and names[0] in facts.multiarch:
                    why = f"{names[0]} is {facts.multiarch[names[0]]}"
                    self.pre[id(cmd)] = Action("replace", Category.PACKAGES, why, "true")

    def vendor_edits(self) -> None:
        """A publisher's apt repository (vendor-repos.json) → its Alpine repository.

        The ``deb`` line becomes the repository's key in /etc/apk/keys and its URL in
        /etc/apk/repositories; the ``case`` arm rebuilding the Debian source packages
        (after its ``deb-src`` line) stops with what to do on that architecture; the
        GnuPG block making apt's keyring for it goes; the Debian pins of its names
        become Alpine ones.
        """
        if not any(writes_apt_sources(c) for c in self.cmds):
            return  # every RUN comes here: the common case costs one look per command
        values = {
            w.value.split("=", 1)[0]: w.value.split("=", 1)[1]
            for c in self.cmds
            if c.program is None
            for w in c.assignments
        }
        found = [(c, hit) for c in self.cmds if (hit := sources_line(c, values)) is not None]
        debs = [(c, h) for c, h in found if h.kind == "deb"]
        if not debs:
            return
        repo = debs[0][1].repo
        if not repo.alpine_url and not repo.own:
            return  # nothing to put in its place: its commands stop the build (a hand edit)
        self.vendor = repo
        if repo.own:
            self.stage.vendor = repo
        join = self.join_style()
        for cmd, hit in found:
            if cmd not in self.cmds or hit.repo is not repo:
                continue
            if repo.own:
                self.own_repository_line(cmd, hit.kind)
                continue
            if hit.kind == "deb":
                self.vendor_list = hit.list_file
                key = f"wget -qO /etc/apk/keys/{repo.key_file} {repo.key_url}"
                url = repo.alpine_repository(RELEASE_EXPR)
                self.pre[id(cmd)] = Action(
                    "replace",
                    Category.PACKAGES,
                    f"{repo.name} publishes the same packages for Alpine: its key "
                    f"({repo.key_url}) in /etc/apk/keys, its repository in "
                    "/etc/apk/repositories (as the publisher's own Alpine image does)",
                    f'{key}{join}echo "{url}" >> /etc/apk/repositories',
                )
                self.report.note(
                    cmd.position.line,
                    Category.PACKAGES,
                    f"{repo.key_url} is fetched over HTTPS and trusted as it is: pin its "
                    "sha512 (sha512sum -c) for a reproducible build",
                )
                continue
            last = self.whole_arm(cmd)
            if last is None:
                continue  # not a case arm it can stand for: stays a hand edit
            self.absorb(cmd, last)
            arches = " and ".join(repo.arches)
            msg = (
                f"{repo.name} has Alpine packages for {arches} only: on $(apk --print-arch) "
                f"build them from source here ({repo.from_source})"
            )
            self.pre[id(cmd)] = Action(
                "replace",
                Category.PACKAGES,
                f"the rebuild of {repo.name}'s Debian source packages: Debian's source "
                f"packages do not build on Alpine; {repo.from_source}",
                f'echo "{msg}" >&2{join}exit 1',
            )
        self.keyring_block(debs[0][1].keyring)
        for c in list(self.cmds):  # `apt-key adv --recv-keys …` (older files): the same key
            if c.program == "apt-key" and id(c) not in self.pre:
                self.drop_key_import(c, "apt's key for the publisher's repository")
                self.key_retry_loop(c)
        self.vendor_pins(repo)
        self.dead_assignments()

    def own_repository_line(self, cmd: SimpleCommand, kind: str) -> None:
        """The line (and its ``case`` arm) adding a repository Alpine's own ones stand for."""
        repo = self.vendor
        assert repo is not None
        why = (
            f"{repo.name}: Alpine's own repositories carry the software, for every "
            "architecture"
            + (
                ""
                if kind == "deb"
                else " (the rebuild of the Debian source packages is not needed)"
            )
        )
        if kind == "deb" and repo.note:
            self.report.note(cmd.position.line, Category.PACKAGES, repo.note)
        last = self.whole_arm(cmd)
        if last is None:
            if kind == "deb":
                self.pre[id(cmd)] = Action("delete", Category.PACKAGES, why)
            return  # a deb-src line outside a case arm: stays a hand edit
        self.absorb(cmd, last)
        self.pre[id(cmd)] = Action("replace", Category.PACKAGES, why, ":")

    def dead_assignments(self) -> None:
        """``VAR=…`` only the commands that go used (``aptRepo=…``, a keyring path)."""
        gone = [
            self.ed.text[self.off(self.span(c)[0]) : self.off(self.span(c)[1])]
            for c in self.cmds
            if id(c) in self.pre
        ]
        kept = [c for c in self.cmds if id(c) not in self.pre]
        for c in kept:
            if c.program is not None or len(c.assignments) != 1 or not top_level(c):
                continue
            var = c.assignments[0].value.split("=", 1)[0]
            used = re.compile(rf"\$\{{?{re.escape(var)}\b|(?<![\w$]){re.escape(var)}(?![\w=])")
            if any(used.search(t) for t in gone) and not any(
                used.search(o.raw) for o in kept if o is not c
            ):
                self.pre[id(c)] = Action(
                    "delete", Category.PACKAGES, f"${var} was only for apt's repository"
                )

    def whole_arm(self, first: SimpleCommand) -> SimpleCommand | None:
        """The last command of ``first``'s ``case`` arm when the two span whole compounds."""
        last = self.arm_end(first)
        if last is None:
            return None
        block = self.cmds[self.cmds.index(first) : self.cmds.index(last) + 1]
        return None if self.crosses_compound(block) else last

    def arm_end(self, first: SimpleCommand) -> SimpleCommand | None:
        """The last command of the ``case`` arm ``first`` is in (before its ``;;``)."""
        rest = self.cmds[self.cmds.index(first) :]
        end_of_run = self.ed.line_start(self.ins.end_line + 1)
        for a, b in zip(rest, [*rest[1:], None], strict=True):
            stop = self.off(self.span(b)[0]) if b is not None else end_of_run
            gap = re.sub(r"#[^\n]*", "", self.ed.text[self.off(self.span(a)[1]) : stop])
            if re.search(r";;|(?<![\w-])esac(?![\w-])", gap):
                return a
        return None

    def absorb(self, first: SimpleCommand, last: SimpleCommand) -> None:
        """Every command from ``first`` to ``last`` goes with ``first`` (one span)."""
        a, b = self.off(self.span(first)[0]), self.off(self.span(last)[1])
        self.cmds = [
            c
            for c in self.cmds
            if c is first or not (a <= self.off(span(c)[0]) and self.off(span(c)[1]) <= b)
        ]
        self.spans[id(first)] = (self.span(first)[0], self.span(last)[1])

    def keyring_block(self, keyring: str | None) -> None:
        """``export GNUPGHOME=…`` … ``rm -rf "$GNUPGHOME"`` making apt's keyring goes."""
        starts = [
            c
            for c in self.cmds
            if c.program == "export"
            and any(w.value.startswith("GNUPGHOME=") for w in c.args)
            and starts_unit(c)
        ]
        for first in starts:
            k = self.cmds.index(first)
            ends = [
                c
                for c in self.cmds[k + 1 :]
                if c.program == "rm"
                and any(w.value in ("$GNUPGHOME", "${GNUPGHOME}") for w in c.args)
                and ends_unit(c)
            ]
            if not ends:
                continue
            last = ends[0]
            block = self.cmds[k : self.cmds.index(last) + 1]
            if not any(keyring_writer(c, keyring) for c in block) or self.crosses_compound(block):
                continue
            self.absorb(first, last)
            self.drop_key_import(
                first, "the GnuPG import of the key apt checks the repository with"
            )

    def drop_key_import(self, cmd: SimpleCommand, what: str) -> None:
        """Delete ``cmd``, importing the key of apt's repository: apk has its own."""
        self.pre[id(cmd)] = Action(
            "delete",
            Category.PACKAGES,
            f"{what}: apk checks the Alpine repository with its RSA key in /etc/apk/keys",
        )
        self.keyring_dropped = True

    def key_retry_loop(self, fetch: SimpleCommand) -> None:
        """The loop retrying the key import ``fetch`` on other keyservers goes with it.

        ``found=''; for server in …; do echo …; FETCH && found=yes && break; done;
        test -z "$found" && echo … && exit 1`` (nginx's Debian images before bookworm):
        without the import the loop would only set its flag, so the whole of it goes --
        never the loop alone, whose test would then fail the build.
        """
        k = self.cmds.index(fetch)
        if k + 2 >= len(self.cmds):
            return
        flag_set, brk = self.cmds[k + 1], self.cmds[k + 2]
        if brk.program != "break" or flag_set.program is not None or len(flag_set.assignments) != 1:
            return
        flag = flag_set.assignments[0].value.split("=", 1)[0]
        unset = [
            i
            for i, c in enumerate(self.cmds[:k])
            if c.program is None
            and [a.value for a in c.assignments] == [f"{flag}="]
            and starts_unit(c)
        ]
        tests = [
            i
            for i, c in enumerate(self.cmds[k + 3 :], k + 3)
            if c.program == "test"
            and [w.raw for w in c.args][:1] == ["-z"]
            and [w.raw.strip('"').strip("{}$") for w in c.args[1:]] == [flag]
        ]
        if not unset or not tests or tests[0] + 2 >= len(self.cmds):
            return
        first, t = self.cmds[unset[-1]], tests[0]
        if self.cmds[t + 1].program not in ("echo", "printf") or self.cmds[t + 2].program != "exit":
            return
        block = self.cmds[unset[-1] : t + 3]
        inside = self.cmds[unset[-1] + 1 : t]
        if self.crosses_compound(block) or not all(
            c is fetch or c is flag_set or c.program in ("echo", "printf", "break") for c in inside
        ):
            return
        last = self.cmds[t + 2]
        self.absorb(first, last)
        self.pre[id(first)] = Action(
            "delete",
            Category.PACKAGES,
            f"the retry of apt's key import over keyservers (${flag}, its test): "
            "without the import it would only set its flag",
        )

    def vendor_pins(self, repo: VendorRepo) -> None:
        """The repository's Debian pins (``nginx=${V}-${R}``) → Alpine ones (``nginx~${V}``)."""
        for c in self.cmds:
            for w in (*c.assignments, *c.args):
                a, b = self.off(w.start), self.off(w.end)
                new, changed = alpine_pins(self.ed.text[a:b], repo)  # continuations kept
                if not changed:
                    continue
                if w in c.assignments:  # `apt-get install $nginxPackages`: the same names
                    self.vendor_vars.add(w.value.split("=", 1)[0])
                self.edits.append((a, b, new))
                for at, what in changed:
                    self.report.change(
                        w.start.line + self.ed.text[a : a + at].count("\n"),
                        Category.PACKAGES,
                        _short(what),
                        f"{repo.name}'s Alpine packages have their own release numbers: "
                        "pinned to the upstream version (apk's ~ takes it as a prefix)",
                    )

    def off(self, pos: Position) -> int:
        """File offset of a position."""
        return self.ed.offset(pos)

    def edit(self, start: Position, end: Position, new: str) -> None:
        """Queue a replacement."""
        self.edits.append((self.off(start), self.off(end), new))

    def gap(self, a: SimpleCommand, b: SimpleCommand) -> str | None:
        """The operator between two commands when only an operator is there."""
        return clean_gap(
            self.ed.text[self.off(self.span(a)[1]) : self.off(self.span(b)[0])], self.escape
        )

    def join_style(self, near: int | None = None) -> str:
        """The text between two commands in this RUN's style (continuation, ``&&``).

        Taken from the gap closest to command ``near`` (default: the last gap).
        """
        pairs = list(zip(self.cmds, self.cmds[1:], strict=False))
        at = len(pairs) - 1 if near is None else near
        pairs.sort(key=lambda p: abs(self.cmds.index(p[0]) - at))
        for a, b in pairs:
            if top_level(a) and top_level(b):
                raw = self.ed.text[self.off(self.span(a)[1]) : self.off(self.span(b)[0])]
                op = clean_gap(raw, self.escape)
                if op == "&&" and "#" not in raw:
                    return raw
                if op == "\n":
                    return "\n"
        if self.ins.heredocs:
            return "\n"
        return " && "

    def image_build(self) -> list[str]:
        """The build-only packages of the stage's base this RUN's build gets.

        Everything the base carried, unless the RUN builds a project whose documentation
        lists its build's packages (``source-builds.json``): then those of them the base
        carried, and its C compiler.
        """
        project = self.project
        if project is None:
            return list(self.stage.image_build)
        keep = {"gcc", "libc-dev"}
        for deb in project.debian:
            rule = lookup(deb)
            if rule is not None:
                keep.update(rule.apk)
        names = [n for n in self.stage.image_build if n in keep]
        for deb in project.configured(self.build_text):  # the RUN's configure names them
            rule = lookup(deb)
            names += [n for n in (rule.apk if rule else ()) if n not in names]
        return names

    @cached_property
    def build_text(self) -> str:
        """The RUN's text and that of the ENV/ARG values it uses (``$RUBY_DOWNLOAD_URL``)."""
        return with_env_values(self.script.text, self.stage.env_values)

    @cached_property
    def project(self) -> SourceBuild | None:
        """The documented project whose source this RUN builds (``source-builds.json``)."""
        return source_build_in(self.build_text)

    @cached_property
    def left_out(self) -> LeftOut | None:
        """The configure option the project's official Alpine images leave out, if given."""
        project = self.project if self.configures else None
        lo = project.leaves_out if project is not None else None
        return lo if lo is not None and lo.given(self.script.text) else None

    def report_image_group(self, line: int, what: str, after: str = "") -> None:
        """Say that the base's build-only packages joined a build group, and which."""
        scope = (
            ": all of them, so the build finds the libraries it found on Debian"
            if self.project is None
            else f": those {self.project.what} documents for its build (knowledge/data/"
            "source-builds.json) and the C compiler"
        )
        self.report.change(
            line,
            Category.PACKAGES,
            f"the build-only packages of {self.stage.image} {what}",
            f"this RUN builds with what {self.stage.image} carried (a compiler and "
            f"-dev libraries; alpine has none){scope}{after}",
        )

    def errexit_gap(self) -> str | None:
        r"""A ``;`` gap of this RUN (``; \`` + newline + indent) when it starts ``set -e``.

        A failure then stops the RUN at a ``;`` as well as at ``&&``.
        """
        tops = units(self.cmds)
        if not tops or tops[0].program != "set":
            return None
        if not any(w.value.startswith("-") and "e" in w.value for w in tops[0].args):
            return None
        for a, b in pairwise(tops):
            raw = self.ed.text[self.off(self.span(a)[1]) : self.off(self.span(b)[0])]
            if "#" not in raw and clean_gap(raw, self.escape) == ";":
                return raw.split(self.ed.newline + self.ed.newline)[0]
        return None

    # -- classification --------------------------------------------------------------------
    def classify(self, cmd: SimpleCommand) -> Action:
        """What to do with one command."""
        parsed = _parse_command(cmd)
        prog = parsed.program if parsed else (cmd.program or "")
        line = cmd.position.line
        if prog in ("apt-get", "apt", "aptitude") and parsed is not None:
            sub = parsed.subcommand or ""
            if cmd.via or cmd.args_from_stdin:
                self.report.command(
                    f"{prog} {sub}",
                    line,
                    "not translated: run through "
                    f"{cmd.via or 'xargs'} (rewrite it as a plain command)",
                )
                return Action("keep")
            if sub in _APT_DROP:
                return Action("delete", Category.CLEANUP, f"`{prog} {sub}`: {_APT_DROP[sub]}")
            if sub == "install":
                return Action("install", parsed=parsed)
            if sub in ("remove", "purge", "autoremove"):
                return Action("remove", parsed=parsed)
            self.report.command(f"{prog} {sub}", line, "no apk counterpart is known")
            return Action("keep")
        if prog == "rm" and parsed is not None and self.vendor is not None:
            listed = [w for w in parsed.operands if w.value == self.vendor_list]
            if listed:
                return self.vendor_list_removed(cmd, parsed, listed[0])
        if prog == "rm" and parsed is not None:
            apt = [w for w in parsed.operands if w.value.startswith(_APT_PATHS)]
            if apt and len(apt) == len(parsed.operands):
                return Action(
                    "delete", Category.CLEANUP, "apt's lists and caches do not exist on Alpine"
                )
            if apt:
                argv = cmd.argv
                for w in apt:
                    k = argv.index(w)
                    self.edit(argv[k - 1].end, w.end, "")
                self.report.change(
                    line,
                    Category.CLEANUP,
                    "apt paths removed from `rm`",
                    "apt's lists and caches do not exist on Alpine",
                )
            return Action("keep")
        if prog in _LOCALE_PROGRAMS or (
            prog == "dpkg-reconfigure" and any(w.value in ("locales", "tzdata") for w in cmd.args)
        ):
            what = (
                "tzdata reconfiguration"
                if any(w.value == "tzdata" for w in cmd.args)
                else "locale generation"
            )
            why = (
                ("Alpine's tzdata needs no reconfiguration: /etc/localtime and TZ work as they are")
                if what.startswith("tz")
                else _LOCALE_WHY
            )
            return Action("delete", Category.LOCALE, f"{what} (`{prog}`): {why}")
        if any("/etc/locale.gen" in w.value for w in cmd.args) or any(
            r.target is not None and r.target.value.startswith("/etc/locale.gen")
            for r in cmd.redirects
        ):
            return Action("delete", Category.LOCALE, f"editing /etc/locale.gen: {_LOCALE_WHY}")
        if (
            prog == "export"
            and cmd.args
            and all(w.value.startswith("DEBIAN_FRONTEND") for w in cmd.args)
        ):
            return Action("delete", Category.CLEANUP, "DEBIAN_FRONTEND means nothing to apk")
        vendor = self.stage.vendor
        if vendor is not None and (
            files := [w.value for w in cmd.args if w.value in vendor.debian_only_files]
        ):
            return Action(
                "delete",
                Category.PACKAGES,
                f"{files[0]} is a file of {vendor.name}'s Debian packages; Alpine's "
                "packages have no such file",
            )
        if prog == "dpkg" and len(cmd.args) >= 2 and cmd.args[0].value in ("-S", "--search"):
            # `dpkg -S FILE`: which package owns FILE (exit 1: none) is apk's --who-owns
            self.edit(cmd.argv[0].start, cmd.args[0].end, "apk info --who-owns")
            self.report.change(
                line,
                Category.PACKAGES,
                f"`dpkg {cmd.args[0].value}` → `apk info --who-owns`",
                _WHO_OWNS_WHY,
            )
            return Action("keep")
        if prog.endswith("configure") and self.left_out is not None:
            for w in cmd.args:
                if w.value.split("=", 1)[0] == self.left_out.option:
                    a, b = self.off(w.start), self.off(w.end)
                    head = self.ed.text.rfind("\n", 0, a) + 1
                    tail = f" {self.escape}{self.ed.newline}"
                    if not self.ed.text[head:a].strip() and self.ed.text.startswith(tail, b):
                        a, b = head, b + len(tail)  # the option's own line goes whole
                    self.edits.append((a, b, ""))
                    self.report.change(
                        line, Category.PACKAGES, f"{w.value} removed", self.left_out.why
                    )
                    self.report.note(line, Category.PACKAGES, self.left_out.keep)
        if prog == "find":  # `-exec bash -c '… dpkg -S "$f" …'`: the script's text
            for w in cmd.args:
                a, b = self.off(w.start), self.off(w.end)
                new = _DPKG_SEARCH.sub("apk info --who-owns", self.ed.text[a:b])
                if new != self.ed.text[a:b]:
                    self.edits.append((a, b, new))
                    self.report.change(
                        line,
                        Category.PACKAGES,
                        "`dpkg -S` → `apk info --who-owns` in the script find runs",
                        _WHO_OWNS_WHY,
                    )
        if prog == "ln" and vendor is not None:
            self.absolute_link(cmd, vendor)
        if prog == "dpkg-divert" and (divert := self.divert(cmd)) is not None:
            return divert
        if prog == "dpkg" and cmd.args and cmd.args[0].value in ("-l", "--list"):
            rest = " ".join(w.raw for w in cmd.args[1:])
            return Action(
                "replace",
                Category.PACKAGES,
                "dpkg's list of installed packages is apk's `list --installed` on Alpine",
                "apk list --installed" + (f" {rest}" if rest else ""),
            )
        if prog in _DEBIAN_ONLY or any(
            r.target is not None
            and r.target.value.startswith(("/etc/apt/", "/usr/share/keyrings/"))
            for r in cmd.redirects
        ):
            self.report.command(
                prog,
                line,
                "a Debian-only command or file: not translated "
                "(Alpine repositories are lines in /etc/apk/repositories; "
                ".deb files do not install on Alpine)",
            )
            return Action("keep")
        if parsed is not None and prog in ("useradd", "groupadd", "usermod", "adduser", "addgroup"):
            return self.user_command(cmd, parsed)
        return Action("keep")

    def user_command(self, cmd: SimpleCommand, parsed: ParsedCommand) -> Action:
        """Rewrite a user/group command, or report why not."""
        prog = parsed.program
        res: users.UserRewrite | None
        if prog == "useradd":
            res = users.useradd(parsed, self.stage.groups_by_gid, self.stage.bash_installed)
        elif prog == "groupadd":
            res = users.groupadd(parsed, self.stage.groups_by_gid)
        elif prog == "usermod":
            res = users.usermod(parsed)
        elif prog == "adduser":
            res = users.debian_adduser(parsed, self.stage.bash_installed)
        else:
            res = users.debian_addgroup(parsed, self.stage.groups_by_gid)
        if res is None:
            return Action("keep")
        line = cmd.position.line
        for note in res.notes:
            self.report.note(line, Category.USERS, f"{prog}: {note}")
        if res.delete:
            return Action("delete", Category.USERS, f"`{prog}`: {res.why}")
        if res.text is None:
            for flag in res.unmapped:
                self.report.unmapped_item(
                    flag, line, UnmappedKind.OPTION, f"{prog} {flag}: no busybox counterpart"
                )
            self.report.note(line, Category.USERS, f"`{prog}` kept as written: {res.why}")
            return Action("keep")
        if " && " in res.text and not top_level(cmd):
            self.report.note(
                line,
                Category.USERS,
                f"`{prog}` kept as written: it becomes "
                "several commands and is not in a plain && list",
            )
            return Action("keep")
        return Action("replace", Category.USERS, res.why, res.text)

    # -- the rewrite -----------------------------------------------------------------------
    def rewrite(self) -> RunResult:
        """Queue this RUN's edits in the editor; returns what was done."""
        actions = [self.pre.get(id(c)) or self.classify(c) for c in self.cmds]
        self.actions = actions
        if _APT_CONFIG_WRITE.search(self.script.text) and all(
            (c.program or "") in _TEXT_WRITERS for c in self.cmds
        ):
            # `{ echo 'Package: php*'; …; } > /etc/apt/preferences.d/…`: the group's
            # redirection is the RUN's whole point, and apt's configuration means nothing here
            self.ed.delete_lines(self.ins.start_line, self.ins.end_line)
            self.report.change(
                self.ins.start_line,
                Category.CLEANUP,
                "RUN removed",
                "it writes apt's configuration (/etc/apt/…), which apk does not read",
            )
            self.result.deleted = True
            return self.result
        self.edits += [(a, b, "") for a, b in self.cosmetic]
        self.url_edits()
        self.ldd_edits()
        self.assignment_edits(actions)
        operands: dict[int, list[Operand]] = {}
        for i, act in enumerate(actions):
            if act.kind in ("install", "remove") and act.parsed is not None:
                operands[i] = [read_operand(w, self.stage.release) for w in act.parsed.operands]
        #: every Alpine name an install of this RUN writes (what it gives, wherever in the RUN)
        self.run_apk = {
            n
            for i, ops in operands.items()
            if actions[i].kind == "install"
            for o in ops
            for n in o.apk
        }
        build_names = {
            n
            for i, ops in operands.items()
            if actions[i].kind == "install"
            for o in ops
            if o.kind is Kind.BUILD
            for n in o.apk
        }
        if self.build_from is not None:
            build_names |= {
                n
                for i, ops in operands.items()
                if actions[i].kind == "install" and self.cmds[i].position >= self.build_from
                for o in ops
                for n in o.apk
            }
        if (
            self.build_from is None
            and build_names
            and self.ins.index in self.stage.defer
            and all(
                a.kind in ("install", "delete") or c.program == "set"
                for a, c in zip(actions, self.cmds, strict=True)
            )
        ):
            self.moving_to = self.stage.defer[self.ins.index]
        group = (
            self.build_from is not None
            or self.moving_to is not None
            or self.decide_group(actions, operands, build_names)
        )
        self.take_deferred()
        del_done = self.build_from is not None
        seen: set[str] = set()
        for i, act in enumerate(actions):
            if act.kind == "replace" and f"apk del --no-network {VIRTUAL}" in act.text:
                self.group_deleted = True  # the run-time idiom's deletion
            if act.kind == "install":
                if not self.install(i, act, operands[i], group, seen):
                    actions[i] = Action(
                        "delete", Category.PACKAGES, "nothing left to install on Alpine"
                    )
            elif act.kind == "remove":
                # the group goes where the removal is only when nothing after it builds:
                # `apt-get autoremove` before `pip install` never removed build-essential
                # (installed by hand), so the build still needs it there
                in_place = group and not any(is_consumer(c) for c in self.cmds[i + 1 :])
                new = self.remove(act, operands[i], in_place, build_names)
                # what is removed may be installed again later in the RUN (curl
                # installed, purged, installed again): it is not "seen" any more
                seen.difference_update(n for o in operands[i] for n in o.apk)
                if new is None:
                    actions[i] = Action("delete", Category.PACKAGES, "nothing to remove")
                else:
                    del_done = del_done or new.endswith(f" {VIRTUAL}")
                    self.group_deleted = self.group_deleted or new.endswith(f" {VIRTUAL}")
                    actions[i] = Action(
                        "replace", Category.PACKAGES, "apk del (--no-network: no index needed)", new
                    )
        if self.image_pending and self.appendable():
            # a build on a toolchain base whose own installs formed no group
            self.image_pending = False
            self.take_deferred(force_image=True)
        if self.idiom is not None and not self.group_made:
            # every install went (busybox's wget, a package installed earlier): no group
            # to keep libraries from, and `apk del` of a group never made fails the build
            k = next(i for i, c in enumerate(self.cmds) if c is self.idiom.first)
            actions[k] = Action(
                "delete",
                Category.PACKAGES,
                f"apt-mark's bookkeeping: nothing is installed for the build on Alpine, so "
                f"there is no {VIRTUAL} group to keep libraries from or delete (apk del of "
                "a group never made fails: 'No such package')",
            )
        if group and not del_done and self.moving_to is None:
            last = self.cmds[max(i for i, c in enumerate(self.cmds) if top_level(c))]
            at_end = self.off(self.span(last)[1])
            tail = f"{self.join_style()}apk del --no-network {VIRTUAL}"
            if self.image_taken and self.stage.shipped and "scanelf" not in self.script.text:
                tail = self.rundeps_tail(self.join_style(), last.position.line)
            self.edits.append((at_end, at_end, tail))
            self.report.change(
                last.position.line,
                Category.PACKAGES,
                f"apk del --no-network {VIRTUAL} at the end of the RUN",
                "the build-only packages leave the layer they were installed in",
            )
        if all(a.kind == "delete" for a in actions) and self.all_deletable():
            for a, c in zip(actions, self.cmds, strict=True):
                self.report.change(c.position.line, a.category, f"removed `{c.raw.strip()}`", a.why)
            self.ed.delete_lines(self.ins.start_line, self.ins.end_line)
            self.report.change(
                self.ins.start_line,
                Category.CLEANUP,
                "RUN removed",
                "nothing in it is needed on Alpine",
            )
            self.result.deleted = True
            return self.result
        if not self.result.apk_added:
            have = set(self.stage.apk_installed) | self.stage.base_packages
            self.result.implicit = (
                self.implicit_commands(have)
                + [(pkg, why) for pkg, why in self.download_runtime if pkg not in have]
                + [(pkg, why) for pkg, why in self.gnu_packages() if pkg not in have]
            )
        self.deletions(actions)
        for act, cmd in zip(actions, self.cmds, strict=True):
            if act.kind == "replace":
                c_start, c_end = self.span(cmd)
                self.edit(c_start, c_end, act.text)
                self.report.change(
                    cmd.position.line,
                    act.category,
                    f"`{_short(cmd.raw)}` → `{_short(act.text)}`",
                    act.why,
                )
        keep = self.dlopen_kept()
        # the group is made only in an `if`/`case` branch: deleted only if it was made
        # (apk del of a group never made fails: lint AR110)
        guard = (
            self.group_made
            and not self.group_sure
            and len(self.virtual_names) <= 1
            and (self.idiom is None or not self.idiom.first.in_branch)
        )
        for e_start, e_end, new in self.edits:
            if guard:
                new = new.replace(_DEL_GROUP_TEXT, _GUARDED_DEL)
            if keep:
                new = new.replace(_RUNDEPS_ADD, f"{_RUNDEPS_ADD} {' '.join(keep)}")
            if not self.ed.add(e_start, e_end, self.all_groups(new)):
                self.report.note(
                    self.ins.start_line, Category.PACKAGES, "internal: overlapping rewrite skipped"
                )
        return self.result

    def dlopen_kept(self) -> list[str]:
        """What the run-time idiom keeps besides ``$runDeps``: modules loaded with dlopen.

        (``imagemagick`` for a build with ``imagemagick-dev``: its coders.)  Reported once.
        """
        modules = debian_idioms().dlopen_modules
        found = [
            (dev, *modules[dev])
            for dev in sorted(self.sure_apk | set(self.group_extra))
            if dev in modules
        ]
        if not found or not any(_RUNDEPS_ADD in new for _, _, new in self.edits):
            return []
        for dev, pkg, why in found:
            self.report.change(
                self.ins.start_line,
                Category.PACKAGES,
                f"{pkg} kept in the {RUNDEPS_GROUP} group (built with {dev})",
                why,
            )
        return list(dict.fromkeys(pkg for _, pkg, _ in found))

    def next_virtual(self, cmd: SimpleCommand) -> str:
        """The group name for a build-only install of this RUN.

        A second install in the RUN's own list (not another branch of a ``case``) gets
        ``.build-deps-2``: ``apk add --virtual`` of a name already installed replaces that
        group's packages, so the first install's would go before the RUN is done.
        """
        self.group_made = True
        if top_level(cmd) and not cmd.in_branch:
            self.group_sure = True
        if not self.virtual_names:
            self.virtual_names.append(VIRTUAL)
            return VIRTUAL
        if (
            top_level(cmd)
            and not cmd.in_branch
            and self.virtual_top
            and not self.group_deleted
            and self.plain_text
        ):
            name = f"{VIRTUAL}-{len(self.virtual_names) + 1}"
            self.virtual_names.append(name)
            return name
        self.virtual_top = False
        return self.virtual_names[-1]

    def all_groups(self, text: str) -> str:
        """``text`` with each ``apk del … .build-deps`` deleting every group of the RUN."""
        if len(self.virtual_names) < 2:
            return text
        every = " ".join(self.virtual_names)
        return _DEL_GROUP.sub(lambda m: m[0].replace(VIRTUAL, every), text)

    def rundeps_root(self) -> str | None:
        """Where this RUN's build installs, for the run-time idiom; None when not safe.

        ``/usr/local`` unless a ``--prefix`` says otherwise.  None for ``/usr`` or ``/``
        (the system's own libraries would count as the build's) and for a prefix that is
        not a literal path: the group is not deleted there.
        """
        m = _PREFIX_ANY.search(self.build_text)
        if m is None:
            return "/usr/local"
        value = m[1].strip("\"'")
        if not value.startswith("/") or "$" in value or value.rstrip("/") in ("", "/usr"):
            return None
        return value.rstrip("/")

    def rundeps_tail(self, join: str, line: int) -> str:
        """The text ending the RUN: the run-time idiom and the group's deletion."""
        root = self.rundeps_root()
        if root is None:
            self.report.note(
                line,
                Category.PACKAGES,
                f"the {VIRTUAL} group is not deleted: this RUN installs into a prefix whose "
                "libraries cannot be told from the system's (--prefix=/usr or a variable); "
                f"add the run-time libraries it links with apk add, then apk del {VIRTUAL}",
            )
            return ""
        self.report.change(
            line,
            Category.PACKAGES,
            f"Alpine's run-time-dependency idiom before apk del --no-network {VIRTUAL}",
            f"the libraries what this RUN built under {root} links (scanelf --needed) "
            f"become so: names kept in a {RUNDEPS_GROUP} group, so deleting the build-only "
            "packages does not take them",
        )
        return join + join.join(rundeps_commands(root))

    def take_deferred(self, force_image: bool = False) -> None:
        """Install what an earlier RUN's build-only packages moved here, and delete them.

        A RUN building on a base that carried a toolchain (``buildpack-deps``) gets that
        image's build-only packages the same way; in the final stage the libraries of
        what it built are kept first (the ``scanelf`` run-time-dependency idiom).
        """
        moved = [] if force_image else list(self.stage.deferred.get(self.ins.index, ()))
        image = force_image or self.ins.index in self.stage.image_build_runs
        if (not moved and not image) or not self.appendable():
            return
        line = self.ins.start_line
        names = list(moved)
        if image:
            for n in self.image_build():
                if n not in names:
                    names.append(n)
                    self.report.installed(n, line)
            self.report_image_group(
                line, f"in apk add --virtual {VIRTUAL}", ", deleted at the end of the RUN"
            )
            # what the base carried besides (moved names had theirs added already)
            names += self.implicit_needs(line, names, set(names), group=True)
        tops = units(self.cmds)
        join = self.errexit_gap() or self.join_style()
        if join == " && ":
            join = f" {self.escape}{self.ed.newline} && "
        first = tops[0]
        if first.program == "set" and len(tops) > 1 and join.lstrip().startswith(";"):
            first = tops[1]  # after `set -eux;`, as Alpine's images write it
        at = self.off(self.span(first)[0])
        if self.ed.newline in join and join.lstrip().startswith(";"):
            indent = join.rsplit(self.ed.newline, 1)[1]
            layout = Layout(True, indent + "\t", f" {self.escape}{self.ed.newline}")
        else:
            layout = Layout(False, " ", "")
        self.edits.append((at, at, f"{apk_add(names, layout, virtual=VIRTUAL)}{join}"))
        self.group_made = True
        self.group_sure = True
        self.group_extra += names
        end = self.off(self.span(tops[-1])[1])
        if image and self.stage.shipped and "scanelf" not in self.script.text:
            self.edits.append((end, end, self.rundeps_tail(join, line)))
        else:
            self.edits.append((end, end, f"{join}apk del --no-network {VIRTUAL}"))
        self.result.apk_added = True
        if moved:
            self.report.change(
                line,
                Category.PACKAGES,
                f"apk add --no-cache --virtual {VIRTUAL} {' '.join(moved)} … apk del",
                "the build-only packages an earlier RUN installed are installed for this "
                "build and deleted in the same layer",
            )

    def decide_group(
        self, actions: list[Action], operands: dict[int, list[Operand]], build_names: set[str]
    ) -> bool:
        """Whether build-only packages go into a ``--virtual`` group deleted in this RUN."""
        installs = [i for i, a in enumerate(actions) if a.kind == "install"]
        if not installs or not build_names:
            return False
        first = installs[0]
        purges = any(
            a.kind == "remove"
            and i > first
            and (not operands[i] or all(n in build_names for o in operands[i] for n in o.apk))
            for i, a in enumerate(actions)
        )
        consumer = any(is_consumer(c) for c in self.cmds[first + 1 :])
        later = any(k > self.ins.index for k in self.stage.later_consumers)
        line = self.cmds[first].position.line
        if not self.appendable():
            if self.stage.final:
                self.report.note(
                    line,
                    Category.PACKAGES,
                    "build-only packages stay in the "
                    "image: this RUN is not a plain command list, so no "
                    f"{VIRTUAL} group is deleted at its end",
                )
            return False
        if purges:
            return True
        if not self.stage.final:
            return False
        if consumer and not later:
            return True
        why = (
            "a later RUN of this stage builds native code and may need them"
            if later
            else "nothing in this RUN builds with them"
        )
        self.report.note(
            line,
            Category.PACKAGES,
            f"build-only packages ({', '.join(sorted(build_names))}) stay in the "
            f"final image: {why}; build in the same RUN to use "
            f"apk add --virtual {VIRTUAL} … && apk del {VIRTUAL}",
        )
        return False

    def appendable(self) -> bool:
        """True when ``&& apk del …`` can be appended after the last command."""
        if not plain_list(self.cmds):
            return False
        if self.ins.heredocs:
            doc = self.ins.heredocs[0]
            if (
                len(self.ins.heredocs) != 1
                or self.ins.arguments_text.strip().lstrip("0123456789").startswith("<<") is False
            ):
                return False
            end = self.ed.line_start(doc.terminator_line)
        else:
            end = self.ed.line_start(self.ins.end_line) + len(self.ed.line_text(self.ins.end_line))
        tops = units(self.cmds)
        tail = self.ed.text[self.off(self.span(tops[-1])[1]) : end]
        if tail.strip():
            return False
        if all(
            (a.pipe_output and b.pipe_input) or self.gap(a, b) is not None
            for a, b in pairwise(tops)
        ):
            return True
        # `set -e` first: a failure anywhere (a `case` or `if` block between) stops the
        # RUN, so a group installed after `set -e…` and deleted at the end is safe
        return (
            len(tops) > 1
            and self.errexit_gap() is not None
            and self.gap(tops[0], tops[1]) is not None
        )

    def all_deletable(self) -> bool:
        """True when every command is top-level and only operators lie between them."""
        return all(top_level(c) for c in self.cmds) and all(
            self.gap(a, b) is not None for a, b in zip(self.cmds, self.cmds[1:], strict=False)
        )

    def deletions(self, actions: list[Action]) -> None:
        """Delete commands with one neighbouring operator; ``true`` where that is unsafe.

        A ``|| true`` (or ``|| :``) after a deleted command goes with it: it only excused
        that command's failure, and left behind it would excuse the command before.
        """
        absorbed = self.absorb_or_true(actions)
        if absorbed:
            kept = [k for k in range(len(self.cmds)) if k not in absorbed]
            all_cmds = self.cmds
            self.cmds = [all_cmds[k] for k in kept]
            try:
                self.deletions([actions[k] for k in kept])
            finally:
                self.cmds = all_cmds
            return
        n = len(self.cmds)
        i = 0
        while i < n:
            if actions[i].kind != "delete":
                i += 1
                continue
            j = i
            while (
                j + 1 < n
                and actions[j + 1].kind == "delete"
                and _in_list(self.cmds[j + 1])
                and (
                    self.piped(self.cmds[j], self.cmds[j + 1])  # a pipeline going as a whole
                    or (
                        self.unit_end(self.cmds[j])
                        and starts_unit(self.cmds[j + 1])
                        and self.gap(self.cmds[j], self.cmds[j + 1])
                    )
                )
            ):
                j += 1
            first, last = self.cmds[i], self.cmds[j]
            for k in range(i, j + 1):
                c = self.cmds[k]
                self.report.change(
                    c.position.line,
                    actions[k].category,
                    f"removed `{_short(c.raw)}`",
                    actions[k].why,
                )
            after = self.cmds[j + 1] if j + 1 < n else None
            before = self.cmds[i - 1] if i > 0 else None
            if starts_unit(first) and self.unit_end(last):
                if after is not None and starts_unit(after) and self.gap(last, after):
                    d_start, d_end = self.deletion_keeping_comments(before, first, last, after)
                    self.edits.append((d_start, d_end, ""))
                    i = j + 1
                    continue
                if (
                    before is not None
                    and self.unit_end(before)
                    and actions[i - 1].kind != "delete"
                    and self.gap(before, first)
                ):
                    self.edit(self.span(before)[1], self.span(last)[1], "")
                    i = j + 1
                    continue
                cut = self.after_closer(before, first) if after is None else None
                if cut is not None:
                    # ``fi; apt-get update; …`` at the RUN's end: from the separator after
                    # the compound command's closing word
                    self.edits.append((cut, self.off(self.span(last)[1]), ""))
                    i = j + 1
                    continue
            for k in range(i, j + 1):
                start, end = self.span(self.cmds[k])
                self.edit(start, end, "true")
            self.report.note(
                first.position.line,
                Category.PACKAGES,
                "a removed command became `true`: it is not in a plain && list",
            )
            i = j + 1

    def unit_end(self, cmd: SimpleCommand) -> bool:
        """True when ``cmd`` ends a unit of the list.

        The idiom's first command spans the idiom, its purge included, though it writes
        to a pipe.
        """
        return ends_unit(cmd) or (self.idiom is not None and cmd is self.idiom.first)

    def piped(self, a: SimpleCommand, b: SimpleCommand) -> bool:
        """True when ``a | b`` with nothing but the pipe between (not ``a | { b; }``)."""
        if not a.pipe_output or not b.pipe_input or self.unit_end(a):
            return False
        gap = self.ed.text[self.off(self.span(a)[1]) : self.off(self.span(b)[0])]
        cont = self.escape + self.ed.newline
        return gap.replace(cont, " ").strip() in ("|", "|&")

    def after_closer(self, before: SimpleCommand | None, first: SimpleCommand) -> int | None:
        """The offset of the separator after ``fi``/``done``/``esac``/``}`` before ``first``.

        Only when that closing word ends what comes before ``first`` and nothing but
        blanks, continuations and comment lines follow the separator.
        """
        if before is None:
            return None
        start = self.off(self.span(before)[1])
        gap = self.ed.text[start : self.off(self.span(first)[0])]
        cont = self.escape + self.ed.newline  # blanked, same length: offsets stay
        m = _CLOSER_GAP.fullmatch(gap.replace(cont, " " * len(cont)))
        if m is None:
            return None
        return start + m.start("sep")

    def absorb_or_true(self, actions: list[Action]) -> set[int]:
        """Indices of ``true``/``:`` commands that only excuse a deleted command before them.

        Each is taken into that command's span (``apt-get clean || true`` goes as one).
        """
        absorbed: set[int] = set()
        for k in range(len(self.cmds) - 1):
            cmd, nxt = self.cmds[k], self.cmds[k + 1]
            if actions[k].kind != "delete" or nxt.program not in ("true", ":") or nxt.args:
                continue
            if nxt.pipe_input or nxt.in_subshell or nxt.in_substitution or nxt.background:
                continue
            raw = self.ed.text[self.off(self.span(cmd)[1]) : self.off(span(nxt)[0])]
            body = "".join(ln.strip().removesuffix(self.escape).strip() for ln in raw.splitlines())
            if body != "||":
                continue
            absorbed.add(k + 1)
            self.spans[id(cmd)] = (self.span(cmd)[0], span(nxt)[1])
            self.report.change(
                nxt.position.line,
                actions[k].category,
                f"removed `|| {nxt.program}`",
                "it excused only the removed command before it",
            )
        return absorbed

    def deletion_keeping_comments(
        self,
        before: SimpleCommand | None,
        first: SimpleCommand,
        last: SimpleCommand,
        after: SimpleCommand,
    ) -> tuple[int, int]:
        """Offsets deleting commands ``first``..``last`` up to ``after``.

        Comment lines between ``last`` and ``after`` describe what follows (``# smoke
        test``), so they stay: the deletion then takes whole lines from the start of
        ``first``'s line (with the operator written before it there) up to the first
        comment line, when what is left between ``before`` and ``after`` is still one
        plain operator.  Otherwise the text up to ``after`` goes, comments included.
        """
        start, end = self.off(self.span(first)[0]), self.off(self.span(after)[0])
        text = self.ed.text
        tail = self.off(self.span(last)[1])
        comment = None
        at = text.find("\n", tail, end)
        while at != -1:
            line_start = at + 1
            nl = text.find("\n", line_start, end)
            if text[line_start : end if nl == -1 else nl].strip().startswith("#"):
                comment = line_start
                break
            at = nl
        if comment is None or before is None:
            return start, end
        line_start = self.ed.line_start(
            first.words[0].start.line if first.words else first.position.line
        )
        prefix = text[line_start:start].strip()
        if prefix not in ("", "&&", ";") or line_start < self.off(self.span(before)[1]):
            return start, end
        kept = text[self.off(self.span(before)[1]) : line_start] + text[comment:end]
        if clean_gap(kept, self.escape) not in ("&&", ";"):
            return start, end
        return line_start, comment

    def install(self, i: int, act: Action, ops: list[Operand], group: bool, seen: set[str]) -> bool:
        """Rewrite one ``apt-get install``; False when nothing is left to install."""
        parsed = act.parsed
        assert parsed is not None
        cmd = parsed.command
        line = cmd.position.line
        perm: list[str] = []
        build: list[str] = []
        extra: list[str] = []
        case_arm = cmd.operator_after in (";;", ";&", ";;&") or (
            cmd.operator_before is None and cmd is not self.script.commands[0]
        )
        if case_arm or cmd.in_branch or not top_level(cmd):
            # one branch of a `case`/`if` (or a subshell): what another branch installs
            # is not installed on this path, so nothing is deduplicated against it
            seen = set(seen)
        all_build = self.build_from is not None and cmd.position >= self.build_from
        word_names: list[tuple[Operand, tuple[str, ...]]] = []
        wanted = seen | {n for o in ops for n in o.apk}
        covers = debian_idioms().covered_by
        covers_build = debian_idioms().base_for_builds
        for o in ops:
            if self.left_out is not None and o.name and self.left_out.needs(o.name):
                word_names.append((o, ()))
                self.report.change(
                    o.word.start.line,
                    Category.PACKAGES,
                    f"{o.name} dropped",
                    f"only {self.left_out.option} needs it, which the translation leaves out",
                )
                continue
            if self.gpg_unused(o):
                word_names.append((o, ()))
                self.report.change(
                    o.word.start.line,
                    Category.PACKAGES,
                    f"{o.name} dropped",
                    "it was there to make apt's keyring for the publisher's repository, "
                    "which apk does not use",
                )
                continue
            if o.problem is not None and o.word.raw.strip('"${}') in self.vendor_vars:
                word_names.append((o, (o.word.raw,)))
                perm.append(o.word.raw)
                self.report.change(
                    o.word.start.line,
                    Category.PACKAGES,
                    f"{o.word.raw} kept",
                    f"the names {self.vendor.name if self.vendor else ''}'s Alpine repository "
                    "publishes, set in this RUN",
                )
                continue
            own = self.own_names(o)
            if own is not None:
                word_names.append((o, own))
                seen.update(own)
                perm.extend(own)
                for n in own:
                    if "$" not in n:
                        self.report.installed(n, o.word.start.line)
                self.report.change(
                    o.word.start.line,
                    Category.PACKAGES,
                    f"{_short(o.word.value, 40)} → {' '.join(own)}",
                    f"{self.stage.vendor.name if self.stage.vendor else ''}: Alpine's own "
                    "package(s) of the same software"
                    + (" (the Debian version pin does not apply)" if "=" in o.word.value else ""),
                )
                continue
            if o.problem is None or o.word.raw.strip("${}") not in self.stage.env_lists:
                self.report_operand(o)  # an ENV list's names are mapped where it is set
            if o.rule is not None and o.rule.kind is Kind.DROP:
                word_names.append((o, ()))
                continue
            if (
                o.rule is not None
                and o.rule.busybox_applet is not None
                and o.name not in self.stage.gnu_tools_needed
                and not (o.name == "wget" and self.ins.index in self.stage.wget_runs)
            ):
                word_names.append((o, ()))
                self.report.change(
                    o.word.start.line,
                    Category.PACKAGES,
                    f"{o.name} dropped",
                    f"busybox's {o.rule.busybox_applet} applet in Alpine's base takes every "
                    f"option this stage gives {o.rule.busybox_applet} (GNU {o.name} is "
                    "installed only for one busybox lacks)",
                )
                continue
            base_has = covers_build.get(o.name or "")
            if group and all_build and base_has is not None and not base_has[0] & self.programs:
                word_names.append((o, ()))
                self.report.change(
                    o.word.start.line, Category.PACKAGES, f"{o.name} dropped", base_has[1]
                )
                continue
            names = tuple(
                n
                for n in o.apk
                if n not in seen
                and not _headers_twice(n, wanted)
                and (n == o.name or n not in self.stage.uncalled)
                and covers.get(n) not in wanted
            )
            seen.update(names)
            if top_level(cmd) and not cmd.in_branch and not case_arm:
                self.sure_apk.update(names)
            if o.problem is None:  # an unmapped name is AR601 already
                for n in names:
                    self.report.installed(n, o.word.start.line)
            word_names.append((o, names))
            target = build if group and (all_build or o.kind is Kind.BUILD) else perm
            target.extend(names)
            if group and not all_build and o.kind is Kind.BUILD and o.rule is not None:
                for rt in o.rule.runtime:
                    if rt not in seen and rt not in self.stage.base_packages:
                        seen.add(rt)
                        extra.append(rt)
        if (
            self.stage.bash_wanted_until is not None
            and not self.stage.bash_installed
            and self.ins.index <= self.stage.bash_wanted_until
            and "bash" not in seen
        ):
            seen.add("bash")
            extra.append("bash")
            self.result.bash_added = True
            self.stage.bash_installed = True
            self.report.change(
                line,
                Category.SHELL,
                "bash added to apk add",
                "bash is needed later in this stage (see the shell notes)",
            )
        if "bash" in perm:
            self.stage.bash_installed = True
        if C_TOOLCHAIN & set(perm):
            self.stage.c_toolchain = True
        if not group and not self.compiles:
            tools = build_tools()
            listed = [n for raw in perm for n in self.stage.env_lists.get(raw.strip("${}"), ())]
            self.result.kept_build += [
                n
                for n in [*perm, *listed]
                if tools.is_build_only(n) and n not in self.result.kept_build
            ]
        image_add: list[str] = []
        if group and self.image_pending and (build or all_build):
            # this RUN builds on what the base carried (buildpack-deps) and installs
            # more itself: the image's build-only packages join its group
            self.image_pending = False
            add = [n for n in self.image_build() if n not in seen]
            seen.update(add)
            image_add = add
            self.image_taken = True
            for n in add:
                self.report.installed(n, line)
            self.report_image_group(line, f"added to the {VIRTUAL} group")
        perm += extra
        for n in extra:
            self.report.installed(n, line)
        implicit = image_add + self.implicit_needs(
            line, (build if group else perm) + image_add, seen, group=group
        )
        if group and perm and build:
            build += implicit
        else:
            (build if group and build else perm).extend(implicit)
            extra += implicit
        if self.moving_to is not None and build:
            moved = set(build)
            into = self.stage.deferred.setdefault(self.moving_to, [])
            into.extend(n for n in build if n not in into)
            self.report.change(
                line,
                Category.PACKAGES,
                f"{', '.join(build)} moved to the RUN that builds with them",
                f"build-only: installed there as apk add --virtual {VIRTUAL} and deleted at "
                "its end, so they never stay in a layer of the final image",
            )
            build, group = [], False
            extra = [n for n in extra if n not in moved]
            word_names = [(o, tuple(n for n in ns if n not in moved)) for o, ns in word_names]
        if not perm and not build:
            return False
        self.result.apk_added = True
        lines = {w.start.line: self.ed.line_text(w.start.line) for w in parsed.operands}
        layout = layout_of(parsed.operands, lines, self.escape, self.ed.newline)
        for opt in parsed.options:
            if opt.name in ("target-release", "t"):
                self.report.note(
                    line,
                    Category.PACKAGES,
                    f"apt option {opt.word.value} "
                    f"{opt.value or ''} dropped: Alpine has no target releases; "
                    "packages from another branch need /etc/apk/repositories",
                )
        start, end = self.span(cmd)
        if group and perm and build:
            text = (
                apk_add(perm, layout)
                + self.join_style(i)
                + apk_add(build, layout, virtual=self.next_virtual(cmd))
            )
            self.edit(start, end, text)
            self.report.change(
                line,
                Category.PACKAGES,
                f"apt-get install → `apk add "
                f"--no-cache {' '.join(perm)}` and `apk add --no-cache "
                f"--virtual {VIRTUAL} {' '.join(build)}`",
                "run-time packages stay; build-only ones form a group "
                "deleted at the end of the RUN"
                + (f" (kept: {', '.join(extra)}, which what is built links to)" if extra else ""),
            )
            return True
        virtual = self.next_virtual(cmd) if group and build else None
        sub = parsed.subcommand_word
        assert sub is not None
        self.edit(
            start, sub.end, "apk add --no-cache" + (f" --virtual {virtual}" if virtual else "")
        )
        argv = cmd.argv
        dropped: set[int] = set()  # -yqq is three options written as one word
        for opt in parsed.options:
            for w in (opt.word, opt.value_word):
                if w is not None and w.start > sub.start:
                    k = argv.index(w)
                    if k not in dropped:
                        dropped.add(k)
                        self.edit(argv[k - 1].end, w.end, "")
        for o, names in word_names:
            if names == (o.word.raw,):
                continue
            if not names:
                k = argv.index(o.word)
                self.edit(argv[k - 1].end, o.word.end, "")
            elif names != (o.word.value,):
                self.edit(o.word.start, o.word.end, layout.glue(names))
        if extra:
            at = argv[-1].end
            self.edit(at, at, layout.join(extra))
        mapped = [
            f"{o.word.value}→{'+'.join(n) or '∅'}"
            for o, n in word_names
            if n != (o.word.value,) and n != (o.word.raw,)
        ]
        self.report.change(
            line,
            Category.PACKAGES,
            "apt-get install → apk add --no-cache"
            + (f" --virtual {virtual}" if virtual else "")
            + (f" ({', '.join(mapped)})" if mapped else ""),
            "Alpine's package manager; --no-cache keeps the index out of "
            "the layer" + (f"; added {', '.join(extra)}" if extra else ""),
        )
        return True

    def implicit_needs(
        self, line: int, target: list[str], seen: set[str], *, group: bool = False
    ) -> list[str]:
        """What Alpine needs and Debian had implicitly, next to ``target``.

        Kernel headers come with Debian's libc6-dev, not with musl-dev; GNU's options
        (tar, coreutils, findutils, grep, sed) are not all in busybox's applets; GNU tar
        joins a build ``group`` extracting the source archive the RUN downloads.
        """
        adds: list[tuple[str, str]] = []
        toolchain = bool(C_TOOLCHAIN & set(target))
        compiler = toolchain or (self.compiles and self.stage.c_toolchain)
        if compiler and "linux-headers" not in seen:
            adds.append(
                (
                    "linux-headers",
                    "a C build on Alpine needs the kernel headers Debian's libc6-dev brought"
                    + ("" if toolchain else " (the compiler is an earlier RUN's)"),
                )
            )
        if compiler and self.project is not None:
            for debian in self.project.libc6_dev:
                rule = lookup(debian)
                for pkg in rule.apk if rule is not None else ():
                    if pkg not in seen:
                        adds.append(
                            (
                                pkg,
                                f"{self.project.what} uses it and Debian's libc6-dev brought "
                                f"{debian} (knowledge/data/source-builds.json); Alpine's "
                                "musl-dev does not",
                            )
                        )
        facts = debian_idioms()
        gyp = facts.node_gyp_python
        if (
            gyp is not None
            and ("python3" in target or "python3" in seen)
            and gyp.package not in seen
            and (self.stage.node_base or gyp.programs & self.programs)
            and release_key(self.stage.release) >= release_key(gyp.alpine_since)
        ):
            adds.append((gyp.package, gyp.why))
        for name in target:
            companion = facts.companions.get(name)
            if companion is not None and companion[0] not in seen:
                adds.append(companion)
        configure = self.configures and (toolchain or self.stage.c_toolchain)
        if configure and facts.configure_package not in seen:
            adds.append((facts.configure_package, facts.configure_why))
        adds += [(pkg, why) for pkg, why in self.gnu_packages() if pkg not in seen]
        tar_pkg, tar_why = facts.source_archive_tar
        # the group's own install (an install of the RUN with build-only names)
        if group and target and self.extracts_download and tar_pkg not in seen:
            adds.append((tar_pkg, tar_why))
        gnu_tar = {tar_pkg, *seen, *self.stage.apk_installed, *(a for a, _ in adds)}
        if tar_pkg in gnu_tar:
            base = base_commands().names
            tar_words = " ".join(c.raw for c in self.cmds if c.program == "tar")
            for prog, marks in facts.tar_filters.items():
                if prog in base or prog in seen or prog in {a for a, _ in adds}:
                    continue
                if any(
                    re.search(
                        rf"(?<![\w.-]){re.escape(m)}\b"
                        if m.startswith("-")
                        else rf"{re.escape(m)}(?![\w.-])",
                        tar_words,
                    )
                    for m in marks
                ):
                    adds.append(
                        (
                            prog,
                            f"GNU tar runs {prog} for this archive: "
                            + facts.tar_filters_why.split(": ", 1)[-1].split(";")[0],
                        )
                    )
        if self.php_iconv and facts.php_iconv_package not in seen:
            adds.append(
                (
                    facts.php_iconv_package,
                    f"PHP built {facts.php_iconv_option}: GNU libiconv, as docker-library/php's "
                    f"Alpine images build it (they delete musl's {facts.php_iconv_header} "
                    "before configure, so PHP finds GNU's)",
                )
            )
        for pkg, why in self.download_runtime:
            if pkg not in seen and pkg not in {a for a, _ in adds}:
                adds.append((pkg, why))
        covered = seen | self.stage.apk_installed | self.run_apk | {a for a, _ in adds}
        adds += [(p, w) for p, w in self.implicit_commands(covered) if p not in covered]
        adds = list({name: (name, why) for name, why in adds}.values())
        for name, why in adds:
            seen.add(name)
            self.report.installed(name, line)
            self.report.change(line, Category.PACKAGES, f"{name} added to apk add", why)
        return [name for name, _ in adds]

    def gnu_packages(self) -> list[tuple[str, str]]:
        """(GNU package, why) for the options busybox's applets lack that this RUN gives."""
        out = []
        for pkg, progs in sorted(self.gnu_needs.items()):
            lacks = "; ".join(f"{p} lacks {', '.join(sorted(o))}" for p, o in progs.items())
            gnu = "GNU tar" if pkg == "tar" else f"GNU {pkg}"
            out.append((pkg, f"busybox's {lacks}: {gnu}"))
        return out

    def implicit_commands(self, covered: set[str]) -> list[tuple[str, str]]:
        """Alpine packages for commands this RUN calls that Debian had without asking.

        A command of Debian's base system (``perl``) or of a dependency of a Debian package
        the stage installs (``dpkg-dev`` brings ``patch``), kept as written, that neither
        Alpine's base nor a package in ``covered`` (installed already, meta packages
        expanded) gives.  Shell functions, bash (the shell plan's) and the user commands
        the rewrite turns into busybox's are not looked up.
        """
        facts = debian_commands()
        base = base_commands()
        metas = build_tools().meta_packages
        have = set(covered)
        for name in covered:
            have |= set(metas.get(name, ()))
        functions = set(_FUNCTION.findall(self.script.text))
        adds: dict[str, str] = {}
        actions = getattr(self, "actions", [Action("keep")] * len(self.cmds))
        for cmd, act in zip(self.cmds, actions, strict=False):
            prog = cmd.program or ""
            if (
                act.kind != "keep"
                or not prog
                or "/" in prog
                or "$" in prog
                or prog in functions
                or prog in _USER_PROGRAMS
                or is_bash(prog)
                or prog in base.names
                or prog in base.shell_builtins
            ):
                continue
            fact = facts.implicit(prog, self.stage.debian_installed)
            carried = fact is None and prog in self.stage.image_commands
            if carried:
                fact = self.stage.image_commands[prog]
            if fact is None or any(a in have for a in fact.apk):
                continue
            if carried:
                how = f"{fact.debian}, which {self.stage.image} carried"
            elif prog in facts.base:
                how = f"Debian's base system ({fact.debian})"
            else:
                how = f"{fact.debian}, a dependency of a package the Debian file installs"
            for a in fact.apk:
                if a not in have and a not in adds:
                    adds[a] = (
                        f"this RUN calls {prog}, which the Debian image had from {how} "
                        f"(Debian {facts.release}); Alpine's base lacks it"
                    )
            have |= set(fact.apk)
        return list(adds.items())

    def vendor_list_removed(self, cmd: SimpleCommand, parsed: ParsedCommand, w: Word) -> Action:
        """``rm … /etc/apt/sources.list.d/nginx.list``: the Alpine repository's line goes."""
        assert self.vendor is not None
        url = self.vendor.alpine_repository("")
        prefix = url[: url.index("/v")] if "/v" in url else url  # up to the release
        sed = f"sed -i '\\|^{prefix}/|d' /etc/apk/repositories"
        why = (
            f"the image keeps no {self.vendor.name} repository, as the Debian one keeps "
            "no apt list for it"
        )
        gone = [o for o in parsed.operands if o is w or o.value.startswith(_APT_PATHS)]
        if len(gone) == len(parsed.operands):
            return Action("replace", Category.PACKAGES, why, sed)
        argv = cmd.argv
        for o in gone:
            k = argv.index(o)
            self.edit(argv[k - 1].end, o.end, "")
        end = self.span(cmd)[1]
        join = " && " if top_level(cmd) else "; "
        self.edit(end, end, f"{join}{sed}")
        self.report.change(cmd.position.line, Category.PACKAGES, f"`{sed}` added", why)
        return Action("keep")

    def absolute_link(self, cmd: SimpleCommand, vendor: VendorRepo) -> None:
        """``ln -s ../x /usr/share/postgresql/$PG_MAJOR/``: the target made absolute.

        The folder the link goes into moves on Alpine (``/usr/share/postgresql17/``), so
        the relative target would point elsewhere; it is resolved against Debian's folder.
        """
        words = [w for w in cmd.args if not w.value.startswith("-")]
        if len(words) != 2 or not any(w.value.startswith("-") and "s" in w.value for w in cmd.args):
            return
        target, folder = words
        if target.value.startswith("/") or not folder.value.endswith("/"):
            return
        if not vendor.moved(folder.value) or not target.static:
            return
        absolute = posixpath.normpath(posixpath.join(folder.value, target.value))
        self.edit(target.start, target.end, absolute)
        self.report.change(
            cmd.position.line,
            Category.PACKAGES,
            f"{target.value} → {absolute}",
            f"the link goes into a folder that is elsewhere on Alpine ({vendor.name}'s "
            "packages): its relative target is written as the absolute path it meant",
        )

    def divert(self, cmd: SimpleCommand) -> Action | None:
        """``dpkg-divert --add --rename --divert NEW OLD`` → ``mkdir -p DIR; mv OLD NEW``.

        apk keeps no diversions: the file is moved, as dpkg-divert's ``--rename`` does
        (an upgrade of the package puts OLD back; noted).
        """
        flags = {w.value for w in cmd.args if w.value.startswith("--") and w.value != "--divert"}
        values = [w.value for w in cmd.args]
        if "--rename" not in flags or "--divert" not in values:  # --add is the default
            return None
        k = values.index("--divert")
        rest = [w for i, w in enumerate(cmd.args) if i > k + 1 and not w.value.startswith("-")]
        if k + 1 >= len(cmd.args) or len(rest) != 1 or flags - {"--add", "--rename", "--local"}:
            return None
        new, old = cmd.args[k + 1], rest[0]
        folder = new.value.rsplit("/", 1)[0] or "/"
        join = "; " if cmd.errexit else " && "
        text = f"mkdir -p {folder}{join}mv {old.raw} {new.raw}"
        if self.stage.vendor is not None:
            for start, end, _, alpine in reversed(self.stage.vendor.moved(text)):
                text = text[:start] + alpine + text[end:]
        self.report.note(
            cmd.position.line,
            Category.PACKAGES,
            f"dpkg-divert: apk keeps no diversions; {old.value} is moved, and an upgrade "
            "of its package would put it back",
        )
        return Action(
            "replace",
            Category.PACKAGES,
            "dpkg-divert --rename moves the file aside: mv does that on Alpine",
            text,
        )

    def own_names(self, o: Operand) -> tuple[str, ...] | None:
        """Alpine's names for a package of a repository Alpine's own ones stand for."""
        vendor = self.stage.vendor
        if vendor is None:
            return None
        return vendor.alpine_names(o.word.value.split("=", 1)[0])

    def gpg_unused(self, o: Operand) -> bool:
        """True for GnuPG once the keyring it made is gone and nothing else runs gpg."""
        return (
            self.keyring_dropped
            and o.name in _GNUPG_PACKAGES
            and not any((c.program or "").startswith("gpg") for c in self.cmds)
        )

    def report_operand(self, o: Operand) -> None:
        """Notes and unmapped entries for one operand."""
        line = o.word.start.line
        if o.problem is not None:
            self.report.unmapped_item(o.word.value, line, UnmappedKind.PACKAGE, o.problem)
            return
        if o.pin:
            self.report.note(
                line,
                Category.PACKAGES,
                f"version pin {o.word.value!r} dropped: "
                "Debian versions do not exist in Alpine's repositories (pin "
                f"with apk's {o.apk[0] if o.apk else o.name}~<version> if "
                "needed)",
            )
        if o.rule is not None and o.rule.kind is Kind.DROP:
            self.report.change(
                line,
                Category.LOCALE if o.name and "locale" in o.name else Category.PACKAGES,
                f"{o.name} dropped",
                o.rule.note or "not needed on Alpine",
            )

    def remove(
        self, act: Action, ops: list[Operand], group: bool, build_names: set[str]
    ) -> str | None:
        """The ``apk del`` for an ``apt-get purge/remove``, or None to delete it."""
        ops = [o for o in ops if not self.gpg_unused(o)]  # never installed
        for o in ops:
            if o.problem is not None:
                self.report.unmapped_item(
                    o.word.value, o.word.start.line, UnmappedKind.PACKAGE, o.problem
                )
        names = list(dict.fromkeys(n for o in ops for n in o.apk))
        rest = [n for n in names if not (group and n in build_names)]
        if group and (len(rest) < len(names) or not names):
            return " ".join(["apk del --no-network", *rest, VIRTUAL])
        if not names:
            return None
        return "apk del --no-network " + " ".join(names)

    def url_edits(self) -> None:
        """Switch known glibc download URLs to musl builds; flag the others.

        The file name the URL downloads to is renamed in the RUN's other words too
        (``tar -xf node-v…-linux-x64.tar.xz``), so the commands still find it.
        """
        renames: dict[str, str] = {}
        for cmd in self.cmds:
            for w in cmd.words:
                rw = self.rewrites.get(id(w))
                if rw is not None:
                    old_base = w.raw.rstrip("\"'").rsplit("/", 1)[-1]
                    new_base = rw.new.rstrip("\"'").rsplit("/", 1)[-1]
                    if old_base and old_base != new_base:
                        renames[old_base] = new_base
        rewritten = list(self.rewrites.values())
        checked = any(c.program in ("sha256sum", "shasum", "sha512sum", "gpg") for c in self.cmds)
        guarded: set[int] = set()
        for cmd in self.cmds:
            for k, w in enumerate(cmd.words):
                if id(w) in self.sums_words:
                    self.edit(w.start, w.end, self.sums_words[id(w)])
                    self.report.change(
                        w.start.line,
                        Category.DOWNLOAD,
                        f"{_short(w.value)} → {_short(self.sums_words[id(w)])}",
                        "the musl builds' checksums are listed there",
                    )
                    continue
                if (
                    self.sums_signed is not None
                    and cmd.program == "rm"
                    and id(cmd) not in self.pre
                    and k > 0
                    and w.value == self.sums_signed
                ):
                    self.edit(cmd.words[k - 1].end, w.end, "")
                    continue
                rw = self.rewrites.get(id(w))
                if rw is not None and rw.guard is not None and id(cmd) not in guarded:
                    guarded.add(id(cmd))
                    var, values, why = rw.guard
                    test = " || ".join(f'[ "${var}" = {v!r} ]' for v in values)
                    msg = (
                        f"no musl build of this download is published for ${var} "
                        f"(only {', '.join(values)}): build it from source here"
                    )
                    at = self.span(cmd)[0]
                    self.edit(at, at, f'{{ {test} || {{ echo "{msg}" >&2; exit 1; }}; }} && ')
                    self.report.change(
                        w.start.line,
                        Category.DOWNLOAD,
                        f"a check that ${var} is {' or '.join(values)} before the download",
                        why,
                    )
                if rw is None and "://" not in w.raw:
                    new_raw = w.raw
                    for o, n in renames.items():
                        new_raw = new_raw.replace(o, n)
                    named = new_raw != w.raw
                    new_raw = rename_target(new_raw, rewritten) or new_raw
                    if new_raw != w.raw:
                        self.edit(w.start, w.end, new_raw)
                        self.report.change(
                            w.start.line,
                            Category.DOWNLOAD,
                            f"{_short(w.value)} → {_short(new_raw)}",
                            "the downloaded file's name changed with its URL"
                            if named
                            else "the glibc target the download names is the musl one now",
                        )
                if rw is not None:
                    self.edit(w.start, w.end, rw.new)
                    self.report.change(
                        w.start.line, Category.DOWNLOAD, f"{_short(w.value)} → musl build", rw.why
                    )
                    published = rw.pattern.checksum_file(rw.musl) if rw.pattern else None
                    pin = self.pinned_sha256_after(cmd, w) if published is not None else None
                    if checked and published is not None and pin is not None:
                        sums, who = published
                        name = pin.value.split("=", 1)[0]
                        fetch = f'"$(wget -qO- "{sums}" | cut -d \' \' -f 1)"'
                        self.edit(pin.start, pin.end, f"{name}={fetch}")
                        self.report.change(
                            pin.start.line,
                            Category.DOWNLOAD,
                            f"{name}: the glibc build's sha256 → the musl build's, read from "
                            f"{_short(sums)}",
                            f"the sha256 pinned here was the glibc build's; {who} publishes "
                            "the musl build's beside it, fetched over HTTPS at build time",
                        )
                        self.report.note(
                            pin.start.line,
                            Category.DOWNLOAD,
                            f"pin {name} by hand for a reproducible build: the value in {sums} "
                            "(read at build time now, from the server the build comes from)",
                        )
                    elif checked and published is not None:
                        sums, who = published
                        self.report.stop(
                            w.start.line,
                            f"{rw.musl} is the musl build; the sha256 pinned in this RUN is "
                            f"the glibc build's: take the musl build's from {who}'s published "
                            f"{sums} and pin it here",
                        )
                    elif checked and not self.sums_words:
                        self.report.note(
                            w.start.line,
                            Category.DOWNLOAD,
                            "the checksum or signature checked in this RUN is "
                            "the glibc build's: update it for the musl build",
                        )
                    continue
                hit = glibc_hint(w.value)
                if hit is not None:
                    self.report.stop(
                        w.start.line,
                        f"{_short(w.value)} downloads {hit.what}: no musl build of it is known: "
                        "find one or build it from source below",
                    )
                    self.report.note(
                        w.start.line,
                        Category.DOWNLOAD,
                        f"downloads {hint_text(hit)}: it will not run on musl; "
                        f"no musl build of {_short(w.value)} is known -- find "
                        "one or build from source",
                    )

    def pinned_sha256_after(self, cmd: SimpleCommand, url: Word) -> Word | None:
        """The ``NAME=<sha256>`` assignment pinning the download ``url`` names, if one.

        The first assignment after ``url`` (in the script's order) whose value is a bare
        sha256, before the next URL and at most two lines on: the layout of a ``case``
        arm (``'amd64') url='…'; sha256='…' ;;``) or of consecutive lines.
        """
        seen = False
        for c in self.cmds:
            for w in (*c.assignments, *c.argv):
                if w is url:
                    seen = True
                    continue
                if not seen:
                    continue
                if "://" in w.raw or w.start.line > url.start.line + 2:
                    return None
                if w in c.assignments and _SHA256_ASSIGNMENT.match(w.value):
                    return w
        return None

    def sums_take(self) -> None:
        """Node's ``SHASUMS256.txt.asc`` → unofficial-builds' plain ``SHASUMS256.txt``.

        Where a RUN's download is switched to a musl build listed in a plain checksum
        list (``glibc-downloads.json``'s ``sums``), the signed list's URL becomes the
        plain one's and the ``gpg --decrypt``/``--verify`` of the signed file goes.
        """
        for rw in self.rewrites.values():
            s = rw.pattern.sums if rw.pattern is not None else None
            if s is None:
                continue
            words = {
                id(w): s.find.sub(s.replace, w.raw)
                for c in self.cmds
                for w in c.words
                if s.find.search(w.raw)
            }
            if not words:
                continue
            self.sums_words, self.sums_signed = words, s.signed
            for c in self.cmds:
                if c.program in ("gpg", "gpg2", "gpgv") and any(
                    a.value == s.signed for a in c.args
                ):
                    self.pre[id(c)] = Action("delete", Category.DOWNLOAD, s.why)
                operands = [a for a in c.args if not a.value.startswith("-")]
                if c.program == "rm" and operands and all(a.value == s.signed for a in operands):
                    self.pre[id(c)] = Action("delete", Category.DOWNLOAD, s.why)
            return

    def ldd_edits(self) -> None:
        """``! { ldd FILES | grep 'not found'; }`` → ``ldd``'s exit status, file by file.

        glibc's ldd prints ``libX.so => not found`` on stdout; musl's reports a missing
        library on stderr and exits 127, and lists only its first file (it is the
        loader's ``--list`` mode): the grep never matches there (lint AR208).
        """
        start = self.ed.line_start(self.ins.start_line)
        end = self.ed.line_start(self.ins.end_line) + len(self.ed.line_text(self.ins.end_line))
        text = self.ed.text[start:end]
        ldd_at = {
            self.off(self.span(c)[0]) - start
            for c in self.cmds
            if c.program == "ldd" and c.pipe_output
        }
        for m in _LDD_NOT_FOUND.finditer(text):
            if not any(m.start() <= at < m.end() for at in ldd_at):
                continue  # the text of a string, not a command
            files = m["files"].strip()
            new = f'for so in {files}; do ldd "$so" > /dev/null || exit 1; done'
            self.edits.append((start + m.start(), start + m.end(), new))
            line = self.ins.start_line + text[: m.start()].count("\n")
            self.report.change(
                line,
                Category.SHELL,
                f"`{_short(m[0])}` → `{_short(new)}`",
                "musl's ldd reports a missing library on stderr and exits 127 (and lists "
                "only its first file): its exit status, file by file, is the check",
            )

    def assignment_edits(self, actions: list[Action]) -> None:
        """Drop ``DEBIAN_FRONTEND=…`` prefixes from commands that stay."""
        for act, cmd in zip(actions, self.cmds, strict=True):
            if act.kind not in ("keep",):
                continue
            for k, w in enumerate(cmd.assignments):
                if w.value.startswith("DEBIAN_FRONTEND="):
                    nxt = cmd.words[k + 1].start if k + 1 < len(cmd.words) else w.end
                    self.edit(w.start, nxt, "")
                    self.report.change(
                        w.start.line,
                        Category.CLEANUP,
                        "DEBIAN_FRONTEND prefix removed",
                        "DEBIAN_FRONTEND means nothing to apk",
                    )


#: the text between a compound command's last inner command and the next command, its
#: continuations blanked: ``; fi; `` (comment lines allowed)
_CLOSER_GAP = re.compile(
    r"(?:\s|;|&&|#[^\n]*\n)*(?:\b(?:fi|done|esac)\b|\})[ \t]*(?P<sep>;|&&)(?:\s|#[^\n]*\n)*"
)
#: a variable a RUN uses (``$URL``, ``${URL}``, ``${URL%%.tar*}``)
_VAR_USE = re.compile(r"\$\{?([A-Za-z_]\w*)")
#: ``./configure`` written in a RUN's text (a Makefile's call the RUN edits or checks)
_MAKEFILE_CONFIGURE = re.compile(r"(?<![\w/.-])\./configure\b")
#: the words opening (+1) and closing (-1) a compound command or a group: a span
#: replaced as one must hold as many of each
_OPENS = {
    **dict.fromkeys(("if", "for", "while", "until", "case", "{", "("), 1),
    **dict.fromkeys(("fi", "done", "esac", "}", ")"), -1),
}
#: the deletion of the build group, and its guarded form for a group a branch made
_DEL_GROUP_TEXT = f"apk del --no-network {VIRTUAL}"
_GUARDED_DEL = f"if apk info -e {VIRTUAL} > /dev/null; then {_DEL_GROUP_TEXT}; fi"
RUNDEPS_GROUP = ".rundeps"
#: the run-time idiom's install (rundeps_commands), which modules loaded with dlopen join
_RUNDEPS_ADD = f"apk add --no-network --virtual {RUNDEPS_GROUP} $runDeps"

#: why ``dpkg -S FILE`` is ``apk info --who-owns FILE``
_WHO_OWNS_WHY = (
    "the package owning a file, exit status 1 when none does (the real apk of Alpine "
    "3.23 answers so)"
)
#: ``dpkg -S`` / ``dpkg --search`` written in a script another command runs
_DPKG_SEARCH = re.compile(r"(?<![\w./-])dpkg\s+(?:-S|--search)(?![\w-])")
#: Debian's GnuPG packages (gnupg1 is GnuPG 1.4, which Alpine does not have)
_GNUPG_PACKAGES = frozenset({"gnupg", "gnupg1", "gnupg2", "gpg", "dirmngr"})

_LOCALE_WHY = (
    "musl has no locale generation: C.UTF-8 is built in and LANG=xx_XX.UTF-8 "
    "works for UTF-8 text; install musl-locales for translated messages"
)


def _short(text: str, width: int = 60) -> str:
    one = " ".join(text.split())
    return one if len(one) <= width else one[: width - 1] + "…"


class Report:
    """Collects changes, notes and unmapped names (line numbers of the original file)."""

    def __init__(self) -> None:
        """An empty account."""
        self.changes: list[tuple[int, Category, str, str]] = []
        self.notes: list[tuple[int, Category, str]] = []
        self._noted: set[tuple[int, Category, str]] = set()
        self.unmapped: list[tuple[str, int, UnmappedKind, str]] = []
        self.codes: dict[tuple[int, Category, str], str] = {}  # note -> its item code
        self.installs: list[tuple[str, int]] = []  # (Alpine name, line) an apk add installs
        self.stops: list[tuple[int, str]] = []  # (line, message): a stop block before its RUN

    def installed(self, name: str, line: int) -> None:
        """Record an Alpine package name the translation's ``apk add`` installs."""
        self.installs.append((name, line))

    def change(self, line: int, category: Category, what: str, why: str) -> None:
        """Record a rewrite."""
        self.changes.append((line, category, what, why))

    def note(self, line: int, category: Category, message: str, code: str | None = None) -> None:
        """Record something a person should check (``code``: its item code, if not AR602)."""
        key = (line, category, message)
        if key not in self._noted:
            self._noted.add(key)
            self.notes.append(key)
            if code is not None:
                self.codes[key] = code

    def stop(self, line: int, message: str) -> None:
        """Record something with no translation that is not a name (a glibc download)."""
        self.stops.append((line, message))

    def unmapped_item(self, name: str, line: int, kind: UnmappedKind, reason: str) -> None:
        """Record a name kept as written."""
        self.unmapped.append((name, line, kind, reason))

    def command(self, name: str, line: int, reason: str) -> None:
        """Record a Debian-only command kept as written."""
        self.unmapped_item(name, line, UnmappedKind.COMMAND, reason)
