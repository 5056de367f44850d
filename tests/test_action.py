"""``action.yml``: the composite GitHub Action, its script steps run as the runner runs them.

The runner's part is emulated: inputs substituted into each step's ``env`` (the
scripts read them only from there), ``run:`` text executed with
``bash --noprofile --norc -eo pipefail`` (GitHub's ``shell: bash``), ``$GITHUB_OUTPUT``
read back into the step's outputs, ``$GITHUB_STEP_SUMMARY`` appended to. The
``uses:`` steps (setup-python, upload-sarif) are GitHub's: the test checks what they
are given (the SARIF file exists and is SARIF 2.1.0). The install step installs
alpine-ready for real from the action's source into a fresh virtual environment (its
dependencies from PyPI: ``online``), then ``check`` runs on a sample project holding a
real glibc binary.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import venv
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
_EXPR = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")
_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.egg-info", "build", ".mypy_cache", ".ruff_cache"
)


def _action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION.read_text("utf-8"))
    return data


class Runner:
    """Just enough of the Actions runner for a composite action's ``run:`` steps."""

    def __init__(self, workspace: Path, source: Path, inputs: dict[str, str], path: str) -> None:
        self.workspace, self.source, self.path = workspace, source, path
        action = _action()
        self.inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
        self.inputs.update(inputs)
        self.steps: dict[str, dict[str, str]] = {}
        self.summary = workspace.parent / "step-summary.md"
        self.summary.write_text("")
        self.log: list[tuple[str, int, str]] = []
        self.extra_env: dict[str, str] = {}

    def value(self, expr: str) -> str:
        """An expression's value (the forms action.yml uses)."""
        if expr.startswith("inputs."):
            return self.inputs[expr.removeprefix("inputs.")]
        if expr == "github.action_path":
            return str(self.source)
        m = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
        if m:
            return self.steps.get(m[1], {}).get(m[2], "")
        raise AssertionError(f"action.yml uses an expression the test does not know: {expr}")

    def substitute(self, text: str) -> str:
        return _EXPR.sub(lambda m: self.value(m[1]), text)

    def run_step(self, step: dict[str, Any]) -> int:
        assert step.get("shell") == "bash", step
        assert "${{" not in step["run"] or "inputs." not in step["run"], (
            "inputs must reach scripts through env, not the script text"
        )
        output = self.workspace.parent / f"output-{len(self.log)}"
        output.write_text("")
        script = self.workspace.parent / f"step-{len(self.log)}.sh"
        script.write_text(self.substitute(step["run"]))
        env = {
            **os.environ,
            **self.extra_env,
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_ACTION_PATH": str(self.source),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            **{k: self.substitute(str(v)) for k, v in (step.get("env") or {}).items()},
        }
        env.pop("PYTHONPATH", None)  # the installed alpine-ready, not the checkout's
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        self.log.append((step["name"], done.returncode, done.stdout + done.stderr))
        outputs = dict(
            line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
        )
        if "id" in step:
            self.steps[step["id"]] = outputs
        return done.returncode

    def upload_condition(self, step: dict[str, Any]) -> bool:
        """The upload step's ``if:``, as the runner evaluates it (not cancelled)."""
        assert step["if"] == (
            "${{ !cancelled() && inputs.upload-sarif == 'true' && "
            "steps.check.outputs.sarif-file != '' }}"
        )
        return (
            self.inputs["upload-sarif"] == "true"
            and self.value("steps.check.outputs.sarif-file") != ""
        )

    def run(self, skip: set[str]) -> tuple[int, str | None]:
        """The steps in order: the job's status and the SARIF file the upload got."""
        uploaded = None
        for step in _action()["runs"]["steps"]:
            if step.get("name") in skip:
                continue
            if "uses" in step:
                if step["uses"].startswith("actions/setup-python@"):
                    assert self.substitute(step["with"]["python-version"])
                    continue
                assert step["uses"].startswith("github/codeql-action/upload-sarif@")
                if self.upload_condition(step):
                    uploaded = self.substitute(step["with"]["sarif_file"])
                continue
            status = self.run_step(step)
            if status != 0:
                return status, uploaded
        return 0, uploaded


def test_action_declares_the_issue_s_inputs_and_steps() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    assert {"path", "image", "alpine", "fail-on", "sarif-file"} <= set(action["inputs"])
    uses = [s["uses"].split("@")[0] for s in action["runs"]["steps"] if "uses" in s]
    assert uses == ["actions/setup-python", "github/codeql-action/upload-sarif"]
    runs = [s for s in action["runs"]["steps"] if "run" in s]
    for step in runs:
        assert step["shell"] == "bash"
        assert "inputs." not in step["run"]  # never pasted into shell text (injection)
    for script in ("install.sh", "run.sh"):
        subprocess.run(["bash", "-n", str(ROOT / "tools" / "action" / script)], check=True)


def _project(tmp: Path, debian_tree: Path) -> Path:
    """A service whose image copies a real glibc binary: AR403 needs-gcompat (a warning)."""
    project = tmp / "workspace"
    (project / "bin").mkdir(parents=True)
    shutil.copy2(debian_tree / "usr" / "bin" / "zstd", project / "bin" / "zstd")
    (project / "app.py").write_text('print("hello")\n')
    (project / "Dockerfile").write_text(
        "FROM debian:bookworm-slim\nCOPY bin/zstd /usr/local/bin/zstd\nCOPY app.py /app/\n"
        'CMD ["/usr/local/bin/zstd", "--version"]\n'
    )
    return project


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """A venv with alpine-ready installed by the action's install step; the command to run."""
    base = tmp_path_factory.mktemp("action")
    source = base / "action-source"
    shutil.copytree(ROOT, source, ignore=_IGNORE)
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    step = next(s for s in _action()["runs"]["steps"] if s.get("name") == "Install alpine-ready")
    runner = Runner(base, source, {}, ".")
    runner.extra_env = {"PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    assert runner.run_step(step) == 0, runner.log[-1][2][-3000:]
    assert "alpine-ready 0." in runner.log[-1][2]
    probe = subprocess.run(
        [str(env_dir / "bin" / "alpine-ready"), "check", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    command = "check" if probe.returncode == 0 else "lint"
    if command == "lint":
        warnings.warn(
            "alpine-ready check is not there yet: the action's steps run lint", stacklevel=1
        )
    return source, env_dir, command


def _run_action(
    tmp_path: Path, installed: tuple[Path, Path, str], debian_tree: Path, inputs: dict[str, str]
) -> tuple[Runner, int, str | None]:
    source, env_dir, command = installed
    project = _project(tmp_path, debian_tree)
    runner = Runner(project, source, inputs, ".")
    runner.extra_env = {
        "PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "AR_COMMAND": command,
    }
    # the install step ran once (the module's fixture); the others run here, in order
    status, uploaded = runner.run(skip={"Install alpine-ready"})
    return runner, status, uploaded


@pytest.mark.online
@pytest.mark.slow
def test_action_fails_the_job_on_a_warning_and_uploads_sarif(
    tmp_path: Path, installed: tuple[Path, Path, str], debian_tree: Path
) -> None:
    runner, status, uploaded = _run_action(
        tmp_path, installed, debian_tree, {"fail-on": "warning", "sarif-file": "out.sarif"}
    )
    logs = "\n".join(f"{n}: {rc}\n{out}" for n, rc, out in runner.log)
    assert status == 1, logs  # the last step fails the job …
    assert runner.log[-1][0] == "Fail on findings"
    assert runner.steps["check"]["exit-code"] == "1"
    assert uploaded == "out.sarif"  # … after the SARIF upload got its file
    sarif = json.loads((runner.workspace / "out.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    rules = [r["ruleId"] for r in sarif["runs"][0]["results"]]
    assert "AR403" in rules, rules
    summary = runner.summary.read_text()
    command = installed[2]
    assert f"### alpine-ready {command}" in summary
    if command == "check":
        assert "fits-with-changes" in summary and "bin/zstd" in summary


@pytest.mark.online
@pytest.mark.slow
def test_action_passes_below_fail_on(
    tmp_path: Path, installed: tuple[Path, Path, str], debian_tree: Path
) -> None:
    runner, status, uploaded = _run_action(
        tmp_path, installed, debian_tree, {"fail-on": "error", "upload-sarif": "false"}
    )
    logs = "\n".join(f"{n}: {rc}\n{out}" for n, rc, out in runner.log)
    assert status == 0, logs
    assert runner.steps["check"] == {"exit-code": "0", "sarif-file": "alpine-ready.sarif"}
    assert uploaded is None  # upload-sarif: false
    assert (runner.workspace / "alpine-ready.sarif").is_file()
    assert runner.summary.read_text().startswith("### alpine-ready")


@pytest.mark.online
@pytest.mark.slow
def test_action_reports_a_usage_error(
    tmp_path: Path, installed: tuple[Path, Path, str], debian_tree: Path
) -> None:
    runner, status, uploaded = _run_action(
        tmp_path, installed, debian_tree, {"fail-on": "sometimes"}
    )
    assert status == 2
    assert "::error::alpine-ready" in runner.log[0][2]
    assert uploaded is None  # no SARIF was written
