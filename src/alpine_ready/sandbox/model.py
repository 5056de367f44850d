"""What a sandboxed run is given and what it gives back: frozen dataclasses and the error."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alpine_ready.errors import AlpineReadyError


class SandboxError(AlpineReadyError):
    """The sandbox cannot start or prepare a system: one line, naming the way out."""


@dataclass(frozen=True)
class Limits:
    """Bounds on one sandboxed run (see docs/sandbox.md for how each is enforced)."""

    timeout: float = 60.0
    """Wall-clock seconds; at the limit the whole pid namespace is killed."""
    memory: int = 1 << 30
    """Bytes of address space per process (RLIMIT_AS), and the tree's total when a
    memory cgroup is writable (root)."""
    processes: int = 256
    """Processes in the sandbox: a pids cgroup as root, RLIMIT_NPROC otherwise."""
    output: int = 1 << 20
    """Bytes kept per stream; past it the output is cut and the command stopped."""
    tmp_size: int = 256 << 20
    """Size of each throw-away tmpfs (/tmp, /var/tmp, /run, /root, /home)."""


@dataclass(frozen=True)
class Mount:
    """A host path made visible in the sandbox (read-only unless ``writable``)."""

    source: Path
    dest: str
    writable: bool = False


@dataclass(frozen=True)
class Outcome:
    """What one sandboxed command did."""

    argv: tuple[str, ...]
    exit_code: int | None
    """None when the command was killed by a signal or at a limit."""
    signal: int | None
    timed_out: bool
    output_limited: bool
    stdout: bytes
    stderr: bytes
    seconds: float
    peak_memory: int | None
    """Bytes: the largest resident set of the tree (``ru_maxrss``), when known."""
    unenforced: tuple[str, ...] = ()
    """Limits that could not be enforced on this machine (e.g. ``processes`` as root
    without a writable pids cgroup); each is also logged as a warning."""

    @property
    def ok(self) -> bool:
        """The command ran to its end, within every limit, and exited 0."""
        return self.exit_code == 0 and not self.timed_out and not self.output_limited


@dataclass(frozen=True)
class PreparedSystem:
    """A root filesystem with the packages asked for installed, ready to run in."""

    root: Path
    key: str
    reused: bool
    installed: tuple[str, ...]
    seconds: float
