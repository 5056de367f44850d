"""Dockerfiles parsed with BuildKit's grammar, positions kept, RUN text read as shell.

``parse_dockerfile(path)`` → :class:`Dockerfile` (stages, instructions, exact positions);
``parse_run(instruction)`` → :class:`ShellScript` (simple commands in their operator
context); ``find_commands(script, "apk")`` → the ``apk`` commands with options parsed.
"""

from .commands import PROGRAMS, Option, ParsedCommand, ProgramSpec, find_commands, parse_command
from .expand import Expansion, Scopes, expand, expand_at, shell_for, variables_at
from .model import (
    BuildArg,
    Dockerfile,
    Flag,
    Heredoc,
    ImageName,
    Instruction,
    Mount,
    Position,
    SourceMap,
    Stage,
)
from .parse import (
    MAX_BYTES,
    MAX_EXPANSION_DEPTH,
    MAX_INSTRUCTION_CHARS,
    MAX_INSTRUCTION_EXPANSIONS,
    MAX_INSTRUCTION_LINES,
    MAX_INSTRUCTIONS,
    MAX_STAGES,
    decode_dockerfile,
    parse_bytes,
    parse_dockerfile,
    parse_text,
    read_dockerfile,
    validate_text,
)
from .script import ParseQuality, Redirect, ShellScript, SimpleCommand, split_env_prefix
from .shell import ShellBudget, parse_run, parse_shell
from .stages import MAX_LINEAGE, StageTree
from .words import Word

__all__ = [
    "MAX_BYTES",
    "MAX_EXPANSION_DEPTH",
    "MAX_INSTRUCTIONS",
    "MAX_INSTRUCTION_CHARS",
    "MAX_INSTRUCTION_EXPANSIONS",
    "MAX_INSTRUCTION_LINES",
    "MAX_LINEAGE",
    "MAX_STAGES",
    "PROGRAMS",
    "BuildArg",
    "Dockerfile",
    "Expansion",
    "Flag",
    "Heredoc",
    "ImageName",
    "Instruction",
    "Mount",
    "Option",
    "ParseQuality",
    "ParsedCommand",
    "Position",
    "ProgramSpec",
    "Redirect",
    "Scopes",
    "ShellBudget",
    "ShellScript",
    "SimpleCommand",
    "SourceMap",
    "Stage",
    "StageTree",
    "Word",
    "decode_dockerfile",
    "expand",
    "expand_at",
    "find_commands",
    "parse_bytes",
    "parse_command",
    "parse_dockerfile",
    "parse_run",
    "parse_shell",
    "parse_text",
    "read_dockerfile",
    "shell_for",
    "split_env_prefix",
    "validate_text",
    "variables_at",
]
