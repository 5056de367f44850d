"""The house rules of the layout, checked on the source itself (see docs/architecture.md).

- a command module never imports another command's module (shared things live in
  ``commands/common.py`` or below the commands, in the stages);
- the stages below the commands (inputs, analysis, deps, lint, translate, knowledge,
  report, formats) never import a command or the CLI;
- the CLI entry stays small: the commands carry their own parsers;
- every registered command implements the protocol.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from alpine_ready.commands import COMMANDS, load

SRC = Path(__file__).resolve().parents[1] / "src" / "alpine_ready"
COMMAND_MODULES = {p.stem for p in (SRC / "commands").glob("*.py")} - {"__init__", "base", "common"}
STAGES = [
    "inputs",
    "analysis",
    "deps",
    "lint",
    "translate",
    "knowledge",
    "report",
    "formats",
    "guard",
    "net",
    "dockerfile",
    "elf",
]


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute (``alpine_ready.x.y``)."""
    tree = ast.parse(path.read_text(), str(path))
    package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base)
                mod = f"{prefix}.{node.module}" if node.module else prefix
            else:
                mod = node.module or ""
            found.add(mod)
            found.update(f"{mod}.{a.name}" for a in node.names)
    return found


@pytest.mark.parametrize("name", sorted(COMMAND_MODULES))
def test_a_command_never_imports_another_command(name: str) -> None:
    others = {f"alpine_ready.commands.{o}" for o in COMMAND_MODULES - {name}}
    used = _imports(SRC / "commands" / f"{name}.py")
    assert not used & others, f"commands/{name}.py imports {sorted(used & others)}"


def test_the_import_check_sees_relative_imports() -> None:
    # the checker itself: a relative import of a sibling command is seen
    probe = SRC / "commands" / "scan.py"
    assert "alpine_ready.commands.common" in _imports(probe)


@pytest.mark.parametrize("stage", [s for s in STAGES if (SRC / s).exists()])
def test_stages_never_import_commands_or_the_cli(stage: str) -> None:
    bad: list[str] = []
    for path in sorted((SRC / stage).rglob("*.py")):
        for mod in _imports(path):
            if mod.startswith(("alpine_ready.commands", "alpine_ready.cli")):
                bad.append(f"{path.relative_to(SRC)}: {mod}")
    assert not bad, "\n".join(bad)


def test_the_cli_entry_stays_small() -> None:
    lines = (SRC / "cli" / "main.py").read_text().count("\n")
    assert lines <= 220, f"cli/main.py has {lines} lines: move command logic to commands/"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_registered_command_implements_the_protocol(name: str) -> None:
    module = load(name)  # type: ignore[arg-type]
    assert callable(getattr(module, "configure", None))
    assert callable(getattr(module, "execute", None))
    assert COMMANDS[name][1] == f"alpine_ready.commands.{name}"  # type: ignore[index]
