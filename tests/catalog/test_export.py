"""`export --format sap-portal|csv` carries trusted committers and the four metrics per project."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import build_core
from bot.cli import main
from bot.config import Settings
from bot.db.engine import session_scope
from bot.db.models import Project
from bot.db.progression import ChangeRequest, TrustedCommitter
from tests.services.progression_support import NOW, add_project, merged


def _fill(database_url: str) -> None:
    """The CLI reads the system clock: the ledger is placed relative to it (days before today)."""
    today = datetime.now(UTC)
    ago = (today - NOW) / timedelta(days=1)
    core = build_core(Settings(database_url=database_url), now=lambda: today)
    with session_scope(core.sessions) as session:
        kafka = add_project(session, "acme/kafka", ("@maya",), trusted=("@tess",))
        add_project(session, "acme/=cmd()", ())  # a name a spreadsheet would run as a formula
        merged(session, kafka, "maya", 5 - ago, count=2)
        merged(session, kafka, "olga", 5 - ago, count=1)
        merged(session, kafka, "pete", 6 - ago, count=1)
        session.add(
            TrustedCommitter(
                project_id=kafka.id, login_key="ann", login="Ann", source="approved", created_at=NOW
            )
        )
        for n, (hours, responded) in enumerate(((2, True), (10, True), (30, False))):
            created = today - timedelta(days=3)
            session.add(
                ChangeRequest(
                    key=f"github:api.github.com:change:{n}", project_id=kafka.id, forge="github",
                    host="api.github.com", number=n, title="t", url="u", author=f"outsider{n}",
                    author_is_bot=False, state="open", created_at=created, merged_at=None, closed_at=None,
                    first_response_at=created + timedelta(hours=hours) if responded else None,
                    updated_at=created,
                )
            )  # fmt: skip
    core.engine.dispose()


@pytest.fixture
def filled(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    _fill(database_url)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


def test_sap_portal_export_carries_trusted_committers_and_metrics(filled: str, tmp_path: Path) -> None:
    out = tmp_path / "repos.json"
    assert main(["export", "--format", "sap-portal", "-o", str(out)]) == 0
    repos = {r["full_name"]: r for r in json.loads(out.read_text())}
    meta = repos["acme/kafka"]["_InnerSourceMetadata"]
    assert meta["trustedCommitters"] == ["tess", "Ann"]
    metrics = meta["metrics"]
    assert metrics["innerSourceRatio"] == pytest.approx(2 / 4)  # olga and pete of four merged
    assert metrics["contributorAbsenceFactor"] == 1  # maya's two are half of four
    assert metrics["outsideChangeRequests"] == 3 and metrics["outsideChangeRequestsWaiting"] == 1


def test_csv_export_has_one_row_per_project_with_the_same_figures(filled: str, tmp_path: Path) -> None:
    out = tmp_path / "projects.csv"
    assert main(["export", "--format", "csv", "-o", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 2
    kafka = next(r for r in rows if r["full_name"] == "acme/kafka")
    assert kafka["trusted_committers"] == "tess Ann" and kafka["maintainers"] == "maya"
    assert float(kafka["innersource_ratio"]) == pytest.approx(0.5)
    assert kafka["absence_factor"] == "1" and kafka["outside_waiting"] == "1"
    assert kafka["ttfr_median_hours"] == "10.0"  # 2 h, 10 h, and one waiting (censored at 72 h)
    formula = next(r for r in rows if r["full_name"].endswith("cmd()"))
    assert formula["full_name"] == "acme/=cmd()"  # only a leading = + - @ is a formula
    with session_scope(build_core(Settings(database_url=filled)).sessions) as session:
        assert session.scalar(select(Project.full_name).where(Project.name == "=cmd()")) == "acme/=cmd()"
