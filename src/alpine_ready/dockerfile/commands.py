"""Package-manager and download commands with their options understood.

:func:`find_commands` picks the commands of a script run by given programs and parses
each with its program's option table (kept as data in :data:`PROGRAMS`): which options
take a value, short-to-long aliases, whether a subcommand comes first.  For
``apk add --no-cache --virtual .build-deps gcc musl-dev`` that gives subcommand ``add``,
options ``{"no-cache": None, "virtual": ".build-deps"}`` and operands ``gcc musl-dev``;
global options may come before the subcommand (``apk --no-cache add …``).  A program not
in the table is parsed generically (every ``-x`` a flag, no subcommand).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from .script import ShellScript, SimpleCommand
from .words import Word

_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?$")
_PIP = re.compile(r"^pip(\d+(\.\d+)?)?$")


@dataclass(frozen=True, slots=True)
class ProgramSpec:
    """How a program's command line reads."""

    name: str
    subcommands: bool  # the first operand is a subcommand (``apk add``)
    value_options: frozenset[str] = frozenset()  # canonical names taking a value
    aliases: Mapping[str, str] = field(default_factory=dict)  # "t" / "assume-yes" → canonical


def _spec(name: str, subcommands: bool, values: str, aliases: str = "") -> ProgramSpec:
    alias_map = dict(pair.split("=", 1) for pair in aliases.split())
    return ProgramSpec(name, subcommands, frozenset(values.split()), alias_map)


PROGRAMS: dict[str, ProgramSpec] = {
    s.name: s
    for s in (
        _spec(
            "apk",
            True,
            "repository root arch cache-dir keys-dir repositories-file virtual wait timeout "
            "cache-max-age progress-fd from",
            "X=repository p=root t=virtual U=update-cache q=quiet v=verbose i=interactive "
            "l=latest u=upgrade s=simulate f=force r=rdepends a=available",
        ),
        _spec(
            "apt-get",
            True,
            "option config-file target-release host-architecture",
            "o=option c=config-file t=target-release a=host-architecture y=yes "
            "assume-yes=yes q=quiet f=fix-broken m=ignore-missing d=download-only "
            "s=simulate",
        ),
        _spec(
            "apt",
            True,
            "option config-file target-release",
            "o=option c=config-file t=target-release y=yes assume-yes=yes q=quiet f=fix-broken",
        ),
        _spec(
            "dpkg",
            False,
            "root admindir instdir force",
            "i=install r=remove P=purge L=listfiles l=list s=status S=search x=extract",
        ),
        _spec(
            "yum",
            True,
            "installroot releasever setopt enablerepo disablerepo exclude",
            "y=assumeyes q=quiet",
        ),
        _spec(
            "dnf",
            True,
            "installroot releasever setopt enablerepo disablerepo exclude",
            "y=assumeyes q=quiet",
        ),
        _spec(
            "microdnf", True, "installroot releasever setopt enablerepo disablerepo", "y=assumeyes"
        ),
        _spec(
            "pip",
            True,
            "requirement constraint editable index-url extra-index-url find-links target "
            "prefix root platform python-version implementation abi only-binary no-binary "
            "trusted-host cache-dir log proxy retries timeout progress-bar "
            "root-user-action python upgrade-strategy src config-settings global-option "
            "report",
            "r=requirement c=constraint e=editable i=index-url f=find-links t=target "
            "U=upgrade q=quiet v=verbose",
        ),
        _spec(
            "npm",
            True,
            "omit include prefix registry cache loglevel workspace tag userconfig install-strategy",
            "g=global D=save-dev S=save E=save-exact w=workspace C=prefix",
        ),
        _spec("yarn", True, "cwd modules-folder cache-folder registry network-timeout", ""),
        _spec("pnpm", True, "filter dir store-dir registry", "C=dir F=filter g=global"),
        _spec(
            "gem",
            True,
            "version source install-dir bindir platform",
            "v=version s=source i=install-dir n=bindir N=no-document",
        ),
        _spec(
            "curl",
            False,
            "output header data data-binary data-raw data-urlencode user proxy user-agent "
            "referer retry retry-delay retry-max-time connect-timeout max-time write-out "
            "cacert cert key proto proto-redir request continue-at cookie cookie-jar "
            "config dump-header form range output-dir",
            "o=output H=header d=data u=user x=proxy A=user-agent e=referer w=write-out "
            "m=max-time X=request C=continue-at b=cookie c=cookie-jar K=config "
            "D=dump-header F=form r=range E=cert O=remote-name L=location f=fail s=silent "
            "S=show-error k=insecure",
        ),
        _spec(
            "wget",
            False,
            "output-document directory-prefix header user-agent tries timeout "
            "output-file append-output input-file user password ca-certificate post-data "
            "referer",
            "O=output-document P=directory-prefix U=user-agent t=tries T=timeout "
            "o=output-file a=append-output i=input-file q=quiet nv=no-verbose "
            "c=continue N=timestamping",
        ),
        _spec(
            "useradd",
            False,
            "uid gid groups shell home-dir comment key skel expiredate inactive",
            "u=uid g=gid G=groups s=shell d=home-dir c=comment K=key k=skel "
            "m=create-home M=no-create-home r=system U=user-group N=no-user-group",
        ),
        _spec("groupadd", False, "gid key password", "g=gid K=key p=password r=system f=force"),
        _spec(
            "adduser",
            False,
            "uid gid home shell gecos ingroup conf firstuid lastuid comment",
            "u=uid G=ingroup h=home s=shell g=gecos k=skel D=disabled-password "
            "S=system H=no-create-home",
        ),
        _spec("addgroup", False, "gid", "g=gid S=system"),
    )
}


@dataclass(frozen=True, slots=True)
class Option:
    """One option as written, under its canonical name."""

    name: str  # canonical long name without dashes ("virtual", "no-cache")
    value: str | None  # its value, None for a flag
    word: Word  # the option word
    value_word: Word | None  # the separate value word, None if attached or a flag


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    """A command read with its program's option table."""

    command: SimpleCommand
    program: str  # canonical program ("pip" for ``pip3`` and ``python3 -m pip``)
    subcommand: str | None
    subcommand_word: Word | None
    options: tuple[Option, ...]
    operands: tuple[Word, ...]  # non-option arguments after the subcommand

    @property
    def option_map(self) -> dict[str, str | None]:
        """Options by canonical name (the last one wins)."""
        return {o.name: o.value for o in self.options}

    def has(self, *names: str) -> bool:
        """True when any of the options ``names`` was given."""
        return any(o.name in names for o in self.options)

    def value(self, name: str) -> str | None:
        """The value of option ``name`` (last one wins), or None."""
        found = None
        for o in self.options:
            if o.name == name:
                found = o.value
        return found

    @property
    def packages(self) -> tuple[str, ...]:
        """The operands' values (packages for install-like subcommands, URLs for curl)."""
        return tuple(w.value for w in self.operands)

    @property
    def args_from_stdin(self) -> bool:
        """True when xargs adds more operands at run time (not known here)."""
        return self.command.args_from_stdin


def program_of(command: SimpleCommand) -> tuple[str, int] | None:
    """(canonical program, index in argv where its arguments start), or None.

    ``/sbin/apk`` → apk; ``pip3.12`` → pip; ``python3 -m pip`` → pip.
    """
    argv = command.argv
    if not argv or not argv[0].static:
        return None
    name = argv[0].value.rstrip("/").rsplit("/", 1)[-1]
    if (
        _PYTHON.match(name)
        and len(argv) >= 3
        and argv[1].value == "-m"
        and _PIP.match(argv[2].value)
    ):
        return "pip", 3
    if _PIP.match(name):
        return "pip", 1
    return name, 1


def parse_command(command: SimpleCommand, spec: ProgramSpec | None = None) -> ParsedCommand | None:
    """Read ``command`` with ``spec`` (default: its program's entry in :data:`PROGRAMS`)."""
    found = program_of(command)
    if found is None:
        return None
    program, start = found
    spec = spec or PROGRAMS.get(program) or ProgramSpec(program, False)
    args = command.argv[start:]
    options: list[Option] = []
    operands: list[Word] = []
    subcommand: Word | None = None
    i = 0
    while i < len(args):
        word = args[i]
        v = word.value
        if v == "--":
            operands.extend(a for a in args[i + 1 :])
            break
        if word.static and v.startswith("--") and len(v) > 2:
            name, sep, value = v[2:].partition("=")
            name = spec.aliases.get(name, name)
            if sep:
                options.append(Option(name, value, word, None))
            elif name in spec.value_options and i + 1 < len(args):
                options.append(Option(name, args[i + 1].value, word, args[i + 1]))
                i += 1
            else:
                options.append(Option(name, None, word, None))
        elif word.static and v.startswith("-") and len(v) > 1:
            i += _short_cluster(spec, word, args, i, options)
        elif spec.subcommands and subcommand is None:
            subcommand = word
        else:
            operands.append(word)
        i += 1
    return ParsedCommand(
        command,
        program,
        None if subcommand is None else subcommand.value,
        subcommand,
        tuple(options),
        tuple(operands),
    )


def _short_cluster(
    spec: ProgramSpec, word: Word, args: tuple[Word, ...], i: int, options: list[Option]
) -> int:
    """Read ``-abc``/``-ofile``/``-o file``; returns how many extra words it used."""
    v = word.value
    if v[1:] in spec.aliases and len(v) > 2:  # multi-letter short options (wget -nv)
        options.append(Option(spec.aliases[v[1:]], None, word, None))
        return 0
    for j in range(1, len(v)):
        ch = v[j]
        name = spec.aliases.get(ch, ch)
        if name in spec.value_options:
            rest = v[j + 1 :]
            if rest:
                options.append(Option(name, rest, word, None))
                return 0
            if i + 1 < len(args):
                options.append(Option(name, args[i + 1].value, word, args[i + 1]))
                return 1
            options.append(Option(name, None, word, None))
            return 0
        options.append(Option(name, None, word, None))
    return 0


def find_commands(
    source: ShellScript | Iterable[SimpleCommand], *programs: str
) -> Iterator[ParsedCommand]:
    """The commands of ``source`` run by any of ``programs`` (canonical names), parsed.

    With no ``programs``, every command with a static name is yielded.
    """
    commands = source.commands if isinstance(source, ShellScript) else source
    wanted = frozenset(programs)
    for command in commands:
        found = program_of(command)
        if found is None or (wanted and found[0] not in wanted):
            continue
        parsed = parse_command(command)
        if parsed is not None:
            yield parsed
