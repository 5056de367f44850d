"""User and group commands → busybox's ``adduser``/``addgroup``.

Covers ``useradd``, ``groupadd``, ``usermod -aG`` and Debian's ``adduser --…``.  busybox
``adduser [-h DIR] [-g GECOS] [-s SHELL] [-G GRP] [-S] [-D] [-H] [-u UID] [-k SKEL] USER``
and ``addgroup [-g GID] [-S] GROUP`` (or ``addgroup USER GROUP`` to add a member).  Each
rewrite returns the new command text, or None with the reasons it cannot be done; flags
with no busybox counterpart are reported, never dropped silently (except the ones that
have no effect there, listed in ``_NO_EFFECT``).  A supplementary group Debian's base
system has and Alpine's has not (``knowledge/data/base-accounts.json``, generated from
both real root filesystems) gets a note.

Ids: a gid or uid Alpine's base ``/etc/group`` / ``/etc/passwd`` holds already (gid 999
is ``ping``) makes busybox fail (``gid '999' in use``), so the next free id is taken, as
the official images do, and the change says so; the choices are kept in
:class:`Accounts` so later commands of the file agree.  A group Alpine's base has under
the same name (``www-data``, 82) is not made again.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from ..dockerfile import ParsedCommand, Word
from ..dockerfile.commands import Option
from ..knowledge.accounts import (
    alpine_groups,
    alpine_users,
    debian_only_groups,
    group_of_gid,
    next_free,
    user_of_uid,
)

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
    delete: bool = False  # the command is not needed on Alpine (``why`` says why)


class Accounts(dict[str, str]):
    """Groups made by the file, by the gid written (``gid -> name``), and the ids given.

    A dict (what the RUN rewriter passes around as ``groups_by_gid``) that also keeps the
    gids and uids the translation emitted, so two commands never get the same free id.
    """

    def __init__(self) -> None:
        """No accounts made yet."""
        super().__init__()
        self.gids: set[int] = set()
        self.uids: set[int] = set()

    def free_gid(self, gid: int) -> int:
        """The next gid after ``gid`` neither Alpine's base nor the file has taken."""
        return next_free(gid, set(alpine_groups().values()) | self.gids)

    def free_uid(self, uid: int) -> int:
        """The next uid after ``uid`` neither Alpine's base nor the file has taken."""
        return next_free(uid, {u for u, _ in alpine_users().values()} | self.uids)


def _accounts(groups_by_gid: dict[str, str]) -> Accounts:
    return groups_by_gid if isinstance(groups_by_gid, Accounts) else Accounts()


def _gid_taken(value: str, name: str, acc: Accounts) -> str | None:
    """Who holds gid ``value`` already (Alpine's base or an earlier command), if not ``name``."""
    if not value.isdigit():
        return None
    holder = group_of_gid(int(value))
    if holder is not None and holder != name:
        return f"Alpine's {holder} group (/etc/group)"
    if int(value) in acc.gids and acc.get(value, name) != name:
        return f"group {acc[value]}, made earlier"
    return None


def _new_group(
    name: str, gid: str | None, system: bool, acc: Accounts
) -> tuple[str | None, str, list[str]]:
    """``addgroup`` text for a new group (None: Alpine has it), why, and notes."""
    base = alpine_groups().get(name)
    if base is not None:
        notes = []
        if gid is not None and gid != str(base):
            notes.append(
                f"Alpine's base has group {name} as gid {base}, not {gid}: files owned "
                f"by gid {gid} (volumes, COPY --chown={gid}) need it changed"
            )
        return None, f"Alpine's base has group {name} already (gid {base})", notes
    out = ["addgroup", "-S"] if system else ["addgroup"]
    why = "busybox addgroup" + (" (-S: a system group)" if system else "")
    if gid is not None:
        held = _gid_taken(gid, name, acc)
        new = gid
        if held is not None:
            new = str(acc.free_gid(int(gid)))
            why += (
                f"; gid {gid} is {held}, so addgroup -g {gid} would fail: "
                f"gid {new} taken instead (the next free one)"
            )
        acc[gid] = name
        if new.isdigit():
            acc.gids.add(int(new))
        out += ["-g", _q(new)]
    return " ".join([*out, _q(name)]), why, []


def _uid(value: str, user: str, acc: Accounts) -> tuple[str, str]:
    """The uid to give (the next free one if Alpine's base holds it) and why."""
    if not value.isdigit():
        return value, ""
    holder = user_of_uid(int(value))
    if holder is None or holder == user:
        acc.uids.add(int(value))
        return value, ""
    new = acc.free_uid(int(value))
    acc.uids.add(new)
    return str(new), (
        f"; uid {value} is Alpine's {holder} user (/etc/passwd): uid {new} taken instead"
    )


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


#: useradd options whose value goes to adduser as written (a ``$VAR`` stays for the shell)
_VERBATIM = frozenset({"home-dir", "comment"})
#: useradd's long options taking a value: getopt_long takes a unique prefix of one
_USERADD_LONG = (
    "uid", "gid", "groups", "shell", "home-dir", "comment", "key", "skel", "expiredate", "inactive"
)  # fmt: skip


def _useradd_options(cmd: ParsedCommand) -> tuple[list[Option], list[Word]]:
    """``cmd``'s options and operands, ``--home DIR`` read as getopt_long does (--home-dir)."""
    options: list[Option] = []
    operands = list(cmd.operands)
    argv = cmd.command.argv
    for o in cmd.options:
        full = [n for n in _USERADD_LONG if n.startswith(o.name)]
        if (
            o.name not in _USERADD_LONG
            and o.word.value.startswith("--")
            and o.value is None
            and len(full) == 1
            and o.word in argv
            and argv.index(o.word) + 1 < len(argv)
            and argv[argv.index(o.word) + 1] in operands
        ):
            word = argv[argv.index(o.word) + 1]
            operands.remove(word)
            o = Option(full[0], word.value, o.word, word)
        options.append(o)
    return options, operands


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
    options, operands = _useradd_options(cmd)
    unknown = [o.word.value for o in options if o.name not in known]
    free = {id(o.value_word) for o in options if o.name in _VERBATIM and o.value_word is not None}
    if (
        len(operands) != 1
        or not all(w.static or id(w) in free for w in cmd.command.argv)
        or unknown
    ):
        return UserRewrite(
            None,
            "options with no busybox adduser counterpart: " + ", ".join(unknown)
            if unknown
            else "useradd with variables or not exactly one user name",
            unknown,
        )
    user = operands[0].value
    acc = _accounts(groups_by_gid)
    out: list[str] = []
    system = False
    extra_groups: list[str] = []
    res = UserRewrite(None)
    uid_why = ""
    uid: str | None = None
    for opt in options:
        name, value = opt.name, opt.value or ""
        if name in _NO_EFFECT:
            continue
        if name in _VERBATIM and opt.value_word is not None and not opt.value_word.static:
            value_text = opt.value_word.raw  # "$RABBITMQ_DATA_DIR": the shell expands it
        else:
            value_text = _q(value)
        if name in ("system", "r"):
            system = True
        elif name == "no-create-home":
            out.append("-H")
        elif name == "uid":
            uid, uid_why = _uid(value, user, acc)
            out += ["-u", _q(uid)]
        elif name == "gid":
            group = groups_by_gid.get(value) or (
                group_of_gid(int(value)) if value.isdigit() else None
            )
            group = group or value
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
            out += ["-h", value_text]
        elif name == "comment":
            out += ["-g", value_text]
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
    group_why = ""
    if "-G" not in out and (system or (uid is not None and _gid_taken(uid, user, acc))):
        # useradd makes a same-named group (USERGROUPS_ENAB yes in Debian's and Ubuntu's
        # login.defs), system users too; busybox adduser -S puts them in nogroup, and
        # adduser -u UID alone wants gid UID free (else: "uid in use")
        made, group_why, _ = _new_group(user, uid if not system else None, system, acc)
        if made is not None:
            prefix = made + " && "
        out += ["-G", _q(user)]
    text = prefix + " ".join([*head, *out, _q(user)])
    for group in extra_groups:
        text += f" && addgroup {_q(user)} {_q(group)}"
    res.notes += _group_notes(extra_groups)
    res.text = text
    res.why = (
        "busybox adduser "
        + (
            "-S: a system account (no password, so it does not prompt; login shell "
            "/sbin/nologin unless -s)"
            if system
            else "-D: no password, so it does not prompt"
        )
        + uid_why
        + (
            f"; the user's own group is made first ({group_why}): adduser "
            + ("-S alone would put it in nogroup" if system else "-u alone needs gid = uid free")
            if prefix
            else ""
        )
    )
    return res


def groupadd(cmd: ParsedCommand, groups_by_gid: dict[str, str] | None = None) -> UserRewrite:
    """``groupadd [-g GID] [-r] GROUP`` → ``addgroup [-g GID] [-S] GROUP``.

    A gid Alpine's base holds already becomes the next free one; a group Alpine's base
    has under the same name is not made again (``delete``).
    """
    if len(cmd.operands) != 1 or not all(w.static for w in cmd.command.argv):
        return UserRewrite(None, "groupadd with variables or not exactly one group name")
    gid: str | None = None
    system = False
    unmapped: list[str] = []
    notes: list[str] = []
    for opt in cmd.options:
        if opt.name == "gid":
            gid = opt.value or ""
        elif opt.name in ("system", "r"):
            system = True
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
    acc = _accounts(groups_by_gid if groups_by_gid is not None else Accounts())
    text, why, more = _new_group(cmd.operands[0].value, gid, system, acc)
    return UserRewrite(text, why, [], notes + more, delete=text is None)


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


def debian_addgroup(
    cmd: ParsedCommand, groups_by_gid: dict[str, str] | None = None
) -> UserRewrite | None:
    """Debian's ``addgroup --gid 1000 --system app`` → busybox syntax.

    None when the command is busybox syntax already and needs no other id.
    """
    argv = cmd.command.argv
    acc = _accounts(groups_by_gid if groups_by_gid is not None else Accounts())
    args = [w.value for w in argv[1:]]
    if not any(w.value.startswith("--") for w in argv[1:]):
        # busybox syntax already: only a taken gid (addgroup -g 999 x) needs a change
        if (
            all(w.static for w in argv)
            and len(args) == 3
            and args[0] == "-g"
            and _gid_taken(args[1], args[2], acc)
        ):
            text, why, notes = _new_group(args[2], args[1], False, acc)
            return UserRewrite(text, why, [], notes, delete=text is None)
        return None
    gid: str | None = None
    system = False
    unmapped: list[str] = []
    i = 0
    operands: list[str] = []
    while i < len(args):
        a = args[i]
        name, eq, value = a[2:].partition("=") if a.startswith("--") else ("", "", "")
        if name == "gid":
            if not eq:
                i += 1
                value = args[i] if i < len(args) else ""
            gid = value
        elif name == "system":
            system = True
        elif name in _NO_EFFECT:
            pass
        elif a.startswith("-"):
            unmapped.append(a)
        else:
            operands.append(a)
        i += 1
    if unmapped or len(operands) != 1:
        return UserRewrite(
            None,
            "options with no busybox addgroup counterpart: " + ", ".join(unmapped)
            if unmapped
            else "addgroup without exactly one group name",
            unmapped,
        )
    text, why, notes = _new_group(operands[0], gid, system, acc)
    return UserRewrite(
        text,
        why.replace("busybox addgroup", "busybox addgroup takes short options", 1),
        [],
        notes,
        delete=text is None,
    )


#: Debian's base has the ``www-data`` user (uid 33); Alpine's has only the group (gid 82):
#: the official PHP and httpd Alpine images make the user with uid 82 in that group.
WWW_DATA_USER = "adduser -u 82 -D -S -G www-data www-data"
WWW_DATA_COMMENT = (
    "# www-data: a user in Debian's base (uid 33), only a group in Alpine's (gid 82) "
    "(alpine-ready translate)"
)
#: ``www-data`` as a user: not the group of ``chown USER:www-data`` or ``--chown=0:www-data``.
_WWW_DATA = re.compile(r"(?<![\w.:-])www-data(?![\w.-])")
#: Commands about groups only.
_GROUP_ONLY = re.compile(r"\b(?:groupadd|addgroup|chgrp)\b[^;&|\n]*")
_MAKES_USER = re.compile(r"\b(?:useradd|adduser)\b[^;&|\n]*(?<![\w.-])www-data(?![\w.-])")


def uses_www_data(keyword: str, text: str) -> bool | None:
    """True when an instruction's text uses the ``www-data`` user, None when it makes it.

    ``keyword`` is the instruction's (``USER``, ``RUN``, ``COPY``…); ``text`` its text.
    Only a ``RUN``, a ``USER`` or a ``--chown`` names a user.
    """
    if keyword == "RUN" and _MAKES_USER.search(text):
        return None
    if keyword in ("RUN", "USER") or (keyword in ("COPY", "ADD") and "--chown" in text):
        return bool(_WWW_DATA.search(_GROUP_ONLY.sub(" ", text) if keyword == "RUN" else text))
    return False
