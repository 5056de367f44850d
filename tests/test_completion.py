"""Shell completion (``alpine-ready --print-completion SHELL``), run in the real shells.

bash: the generated function is called as bash's programmable completion calls it
(COMP_WORDS / COMP_CWORD) and COMPREPLY is read back; fish: ``complete -C`` asks fish
for the candidates of a command line; zsh: the script must parse (``zsh -n``) and name
every command (zsh's completion system needs an interactive shell to run).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from alpine_ready.cli.completion import SHELLS, script
from alpine_ready.cli.main import build_parser
from alpine_ready.commands import COMMANDS

ROOT = Path(__file__).resolve().parents[1]


def _print_completion(shell: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "alpine_ready", "--print-completion", shell],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )


@pytest.fixture(scope="module")
def bash_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    done = _print_completion("bash")
    assert done.returncode == 0, done.stderr
    path = tmp_path_factory.mktemp("completion") / "alpine-ready.bash"
    path.write_text(done.stdout)
    return path


def _bash_complete(script_path: Path, *words: str) -> list[str]:
    """What bash's completion offers for the command line ``alpine-ready WORDS…``."""
    line = " ".join(("alpine-ready", *words))
    quoted = " ".join(f"'{w}'" for w in ("alpine-ready", *words))
    program = (
        f"source '{script_path}'\n"
        f"COMP_WORDS=({quoted}); COMP_CWORD={len(words)}\n"
        f"COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}\n"
        "_shtab_alpine_ready alpine-ready\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return [w.strip() for w in done.stdout.splitlines() if w.strip()]


def test_bash_completes_a_subcommand_name(bash_script: Path) -> None:
    assert _bash_complete(bash_script, "l") == ["lint"]
    assert _bash_complete(bash_script, "tr") == ["translate"]
    assert set(_bash_complete(bash_script, "")) >= set(COMMANDS)


def test_bash_completes_options_and_their_choices(bash_script: Path) -> None:
    assert "--format" in _bash_complete(bash_script, "lint", "--fo")
    formats = _bash_complete(bash_script, "lint", "--format", "")
    assert {"table", "json", "sarif", "html", "gitlab"} <= set(formats)
    assert "gitlab" not in _bash_complete(bash_script, "inspect", "--format", "")
    assert _bash_complete(bash_script, "--print-c") == ["--print-completion"]


def test_bash_script_parses(bash_script: Path) -> None:
    subprocess.run(["bash", "-n", str(bash_script)], check=True, timeout=60)


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish: tools/install-test-deps.sh")
def test_fish_completes_commands_options_and_choices(tmp_path: Path) -> None:
    done = _print_completion("fish")
    assert done.returncode == 0, done.stderr
    path = tmp_path / "alpine-ready.fish"
    path.write_text(done.stdout)

    def ask(line: str) -> list[str]:
        out = subprocess.run(
            ["fish", "--no-config", "-c", f"source {path}; complete -C '{line}'"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        return [row.split("\t")[0] for row in out.splitlines()]

    assert ask("alpine-ready l") == ["lint"]
    assert set(ask("alpine-ready ")) >= set(COMMANDS)
    assert "--format" in ask("alpine-ready lint --fo")
    assert {"html", "gitlab", "sarif"} <= set(ask("alpine-ready lint --format "))
    assert "gitlab" not in ask("alpine-ready inspect --format ")


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh: tools/install-test-deps.sh")
def test_zsh_script_parses_and_names_every_command(tmp_path: Path) -> None:
    done = _print_completion("zsh")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("#compdef alpine-ready")
    path = tmp_path / "_alpine-ready"
    path.write_text(done.stdout)
    subprocess.run(["zsh", "-n", str(path)], check=True, timeout=60)
    for name in COMMANDS:
        assert f"\n    {name}:'" in done.stdout


def test_every_shell_gets_a_script_from_the_library() -> None:
    parser = build_parser()
    for shell in SHELLS:
        text = script(parser, shell)
        assert "lint" in text and "format" in text


def test_an_unknown_shell_is_a_usage_error() -> None:
    done = _print_completion("powershell")
    assert done.returncode == 2
    assert "invalid choice" in done.stderr and "Traceback" not in done.stderr
