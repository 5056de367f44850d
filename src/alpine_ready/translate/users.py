"""User and group commands → busybox's ``adduser``/``addgroup``.

Covers ``useradd``, ``groupadd``, ``usermod -aG`` and Debian's ``adduser --…``.  busybox
``adduser [-h DIR] [-g GECOS] [-s SHELL] [-G GRP] [-S] [-D] [-H] [-u UID] [-k SKEL] USER``
and ``addgroup [-g GID] [-S] GROUP`` (or ``addgroup USER GROUP`` to add a member).  Each
rewrite returns the new command text, or None with the reasons it cannot be done; flags
with no busybox counterpart are reported, never dropped silently (except the ones that
have no effect there, listed in ``_NO_EFFECT``).  A supplementary group Debian's base
system has and Alpine's has not (``knowledge/data/base-accounts.json``, generated from
both real root filesystems) gets a note.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from ..dockerfile import ParsedCommand, parse_command
from ..knowledge.accounts import debian_only_groups

#: Options that change nothing on busybox (its adduser creates the home directory and a
#: same-named group by default, and there is no lastlog to skip).
_NO_EFFECT = frozenset(
    {"create-home", "user-group", "no-log-init", "l", "m", "quiet", "q", "disabled-login", "group"}
)


@dataclass
class UserRewrite:
    """The result of one user/group command rewrite."""

    text: str | None  # the new command text; None: leave the command as written
    why: str = ""
    unmapped: list[str] = field(default_factory=list)  # options with no counterpart
    notes: list[str] = field(default_factory=list)


def _q(value: str) -> str:
    return shlex.quote(value)


def _group_notes(groups: list[str]) -> list[str]:
    """Notes for supplementary groups that do not exist on Alpine."""
    notes = []
    for group in groups:
        if group == "sudo":
            notes.append(
                "Alpine has no sudo group (adding to it fails): its sudo package "
                "names wheel in /etc/sudoers (uncomment %wheel) -- use wheel"
            )
        elif group in debian_only_groups():
            notes.append(
                f"Alpine has no {group} group (adding to it fails): create it "
                f"first (addgroup {group}) or drop it"
            )
    return notes


def _shell(value: str, bash_installed: bool) -> tuple[str, str | None]:
    """The login shell on Alpine, and a note when it had to change."""
    base = value.rsplit("/", 1)[-1]
    if base == "bash" and not bash_installed:
        return "/bin/sh", f"login shell {value} → /bin/sh (bash is not installed)"
    if base == "nologin":
        return (
            "/sbin/nologin",
            None
            if value == "/sbin/nologin"
            else f"login shell {value} → /sbin/nologin (where Alpine has it)",
        )
    return value, None


def useradd(cmd: ParsedCommand, groups_by_gid: dict[str, str], bash_installed: bool) -> UserRewrite:
    """``useradd [opts] USER`` → ``adduser -D [opts] USER`` (+ ``addgroup USER G``)."""
    known = _NO_EFFECT | {
        "system",
        "r",
        "no-create-home",
        "uid",
        "gid",
        "groups",
        "shell",
        "home-dir",
        "comment",
        "skel",
    }
    unknown = [o.word.value for o in cmd.options if o.name not in known]
    if len(cmd.operands) != 1 or not all(w.static for w in cmd.command.argv) or unknown:
        return UserRewrite(
            None,
            "options with no busybox adduser counterpart: " + ", ".join(unknown)
            if unknown
            else "useradd with variables or not exactly one user name",
            unknown,
        )
    user = cmd.operands[0].value
    out: list[str] = []
    system = False
    extra_groups: list[str] = []
    res = UserRewrite(None)
    for opt in cmd.options:
        name, value = opt.name, opt.value or ""
        if name in _NO_EFFECT:
            continue
        if name in ("system", "r"):
            system = True
        elif name == "no-create-home":
            out.append("-H")
        elif name == "uid":
            out += ["-u", _q(value)]
        elif name == "gid":
            group = groups_by_gid.get(value, value)
            if group.isdigit():
                res.notes.append(
                    f"primary group {group} is a number: busybox adduser -G takes a group name"
                )
            out += ["-G", _q(group)]
        elif name == "groups":
            extra_groups += [g for g in value.split(",") if g]
        elif name == "shell":
            shell, note = _shell(value, bash_installed)
            if note:
                res.notes.append(note)
            out += ["-s", _q(shell)]
        elif name == "home-dir":
            out += ["-h", _q(value)]
        elif name == "comment":
            out += ["-g", _q(value)]
        elif name == "skel":
            out += ["-k", _q(value)]
        else:
            res.unmapped.append(opt.word.value + (f" {value}" if opt.value_word else ""))
    if res.unmapped:
        return UserRewrite(
            None,
            "options with no busybox adduser counterpart: " + ", ".join(res.unmapped),
            res.unmapped,
            res.notes,
        )
    head = ["adduser", "-S" if system else "-D"]
    prefix = ""
    if system and "-G" not in out:
        # useradd makes a same-named group (USERGROUPS_ENAB yes in Debian's and Ubuntu's
        # login.defs), system users too; busybox adduser -S puts them in nogroup
        prefix = f"addgroup -S {_q(user)} && "
        out += ["-G", _q(user)]
    text = prefix + " ".join([*head, *out, _q(user)])
    for group in extra_groups:
        text += f" && addgroup {_q(user)} {_q(group)}"
    res.notes += _group_notes(extra_groups)
    res.text = text
    res.why = "busybox adduser (-D: no password, so it does not prompt)" + (
        "; the user's own group is made first: adduser -S alone would put it in nogroup"
        if prefix
        else ""
    )
    return res


def groupadd(cmd: ParsedCommand) -> UserRewrite:
    """``groupadd [-g GID] [-r] GROUP`` → ``addgroup [-g GID] [-S] GROUP``."""
    if len(cmd.operands) != 1 or not all(w.static for w in cmd.command.argv):
        return UserRewrite(None, "groupadd with variables or not exactly one group name")
    out = ["addgroup"]
    unmapped: list[str] = []
    notes: list[str] = []
    for opt in cmd.options:
        if opt.name == "gid":
            out += ["-g", _q(opt.value or "")]
        elif opt.name in ("system", "r"):
            out.append("-S")
        elif opt.name == "force":
            notes.append("groupadd -f dropped: busybox addgroup fails when the group exists")
        else:
            unmapped.append(opt.word.value)
    if unmapped:
        return UserRewrite(
            None,
            "options with no busybox addgroup counterpart: " + ", ".join(unmapped),
            unmapped,
            notes,
        )
    out.append(_q(cmd.operands[0].value))
    return UserRewrite(" ".join(out), "busybox addgroup", [], notes)


def usermod(cmd: ParsedCommand) -> UserRewrite:
    """``usermod -aG g1,g2 USER`` → ``addgroup USER g1 && addgroup USER g2``."""
    raw = [w.value for w in cmd.command.argv[1:]]
    if not all(w.static for w in cmd.command.argv) or not raw:
        return UserRewrite(None, "usermod with variables")
    groups: list[str] = []
    user = raw[-1]
    i = 0
    while i < len(raw) - 1:
        a = raw[i]
        if a in ("-a", "--append"):
            i += 1
            continue
        if a in ("-G", "--groups", "-aG") and i + 1 < len(raw) - 1:
            groups += [g for g in raw[i + 1].split(",") if g]
            i += 2
            continue
        return UserRewrite(None, f"usermod {a}: only -aG (add to groups) is translated", [a])
    if not groups:
        return UserRewrite(None, "usermod without -aG")
    return UserRewrite(
        " && ".join(f"addgroup {_q(user)} {_q(g)}" for g in groups),
        "busybox addgroup USER GROUP adds a member",
        [],
        _group_notes(groups),
    )


_DEB_ADDUSER = {"disabled-password": ["-D"], "system": ["-S"], "no-create-home": ["-H"]}
_DEB_ADDUSER_VALUES = {
    "uid": "-u",
    "gecos": "-g",
    "home": "-h",
    "shell": "-s",
    "ingroup": "-G",
    "gid": "-G",
}


def debian_adduser(cmd: ParsedCommand, bash_installed: bool) -> UserRewrite | None:
    """Debian's ``adduser --disabled-password --gecos '' app`` → busybox syntax.

    None when the command is busybox syntax already (no long options).
    """
    argv = cmd.command.argv
    if not any(w.value.startswith("--") for w in argv[1:]):
        values = [w.value for w in argv[1:]]
        member = (
            _group_notes(values[1:])
            if len(values) == 2 and not any(v.startswith("-") for v in values)
            else []
        )
        if member:
            return UserRewrite(None, "adduser USER GROUP adds a member on busybox too", [], member)
        return None
    if not all(w.static for w in argv):
        return UserRewrite(None, "adduser with variables")
    out: list[str] = []
    operands: list[str] = []
    unmapped: list[str] = []
    notes: list[str] = []
    own_group = False
    args = [w.value for w in argv[1:]]
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--"):
            name, eq, value = a[2:].partition("=")
            if name == "group":
                own_group = True
            elif name in _DEB_ADDUSER_VALUES:
                if not eq:
                    i += 1
                    value = args[i] if i < len(args) else ""
                if name == "shell":
                    value, note = _shell(value, bash_installed)
                    if note:
                        notes.append(note)
                out += [_DEB_ADDUSER_VALUES[name], _q(value)]
            elif name in _DEB_ADDUSER:
                out += _DEB_ADDUSER[name]
            elif name in _NO_EFFECT:
                pass
            else:
                unmapped.append(a)
        elif a.startswith("-"):
            out.append(a)
        else:
            operands.append(a)
        i += 1
    if unmapped:
        return UserRewrite(
            None,
            "options with no busybox adduser counterpart: " + ", ".join(unmapped),
            unmapped,
            notes,
        )
    if len(operands) == 2 and not out:  # adduser USER GROUP: add a member
        return UserRewrite(
            f"addgroup {_q(operands[0])} {_q(operands[1])}",
            "busybox addgroup USER GROUP adds a member",
            [],
            notes + _group_notes(operands[1:]),
        )
    if own_group and "-S" not in out:
        # adduser --group NAME (without --system) is addgroup NAME
        if len(operands) != 1 or out:
            return UserRewrite(None, "adduser --group with other options", ["--group"], notes)
        return UserRewrite(
            f"addgroup {_q(operands[0])}",
            "adduser --group makes a group: busybox addgroup",
            [],
            notes,
        )
    prefix = ""
    if own_group and "-G" not in out and len(operands) == 1:
        # --system --group: a same-named group; busybox adduser -S alone uses nogroup
        prefix = f"addgroup -S {_q(operands[0])} && "
        out += ["-G", _q(operands[0])]
    if "-D" not in out and "-S" not in out:
        out.insert(0, "-D")
    text = prefix + " ".join(["adduser", *dict.fromkeys(out), *map(_q, operands)])
    return UserRewrite(
        text,
        "busybox adduser takes short options"
        + ("; the user's own group (--group) is made first" if prefix else ""),
        [],
        notes,
    )


def debian_addgroup(cmd: ParsedCommand) -> UserRewrite | None:
    """Debian's ``addgroup --gid 1000 --system app`` → busybox syntax (None if it is)."""
    argv = cmd.command.argv
    if not any(w.value.startswith("--") for w in argv[1:]):
        return None
    spec_cmd = parse_command(cmd.command)
    assert spec_cmd is not None
    out = ["addgroup"]
    unmapped: list[str] = []
    args = [w.value for w in argv[1:]]
    i = 0
    operands: list[str] = []
    while i < len(args):
        a = args[i]
        name, eq, value = a[2:].partition("=") if a.startswith("--") else ("", "", "")
        if name == "gid":
            if not eq:
                i += 1
                value = args[i] if i < len(args) else ""
            out += ["-g", _q(value)]
        elif name == "system":
            out.append("-S")
        elif name in _NO_EFFECT:
            pass
        elif a.startswith("-"):
            unmapped.append(a)
        else:
            operands.append(a)
        i += 1
    if unmapped or not operands:
        return UserRewrite(
            None, "options with no busybox addgroup counterpart: " + ", ".join(unmapped), unmapped
        )
    return UserRewrite(" ".join([*out, *map(_q, operands)]), "busybox addgroup takes short options")
