"""The innersource-bot command as a person runs it: a subprocess, real stdin/stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main


def _run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "GITHUB_", "GITLAB_", "INNERSOURCE_"))
    }
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env={**clean, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sandbox_run_crawls_the_sample_org_and_reads_stdin_to_eof(tmp_path: Path) -> None:
    result = _run(["run"], tmp_path, stdin="/innersource find design system\n")
    assert result.returncode == 0, result.stderr
    assert "acme/aurora-design-system" in result.stdout
    assert "platform/security/cloud-guardrails" in result.stdout
    assert "acme/hr-salary-bands" not in result.stdout  # private without the opt-in topic
    assert "acme/react-datepicker" not in result.stdout  # a fork
    assert "read 1 input line" in result.stdout
    assert (tmp_path / "innersource-sandbox.db").exists()
    assert not (tmp_path / "innersource.db").exists()


def test_bad_setting_stops_start_up_naming_it(tmp_path: Path) -> None:
    result = _run(
        ["crawl"], tmp_path, env={"INNERSOURCE_READINESS_THRESHOLD": "lots", "GITHUB_TOKEN": "ghp_x1"}
    )
    assert result.returncode == 2
    assert "readiness_threshold" in result.stderr
    assert "lots" not in result.stderr and "ghp_x1" not in result.stderr


def test_crawl_without_a_forge_says_what_to_set(tmp_path: Path) -> None:
    result = _run(["crawl"], tmp_path)
    assert result.returncode == 2
    assert "GITHUB_ORGS" in result.stderr


def test_db_upgrade_and_empty_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert main(["db", "upgrade"]) == 0
    out = tmp_path / "repos.json"
    assert main(["export", "--format", "sap-portal", "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == []
    assert "wrote 0 projects" in capsys.readouterr().err


def test_unknown_export_format_is_refused(tmp_path: Path) -> None:
    result = _run(["export", "--format", "csv"], tmp_path)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
