"""The benchmark catalog builder writes rows that look like a crawl's, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from bench.catalog_fixture import GITHUB_HOST, GITLAB_HOST, populate
from bot.app import build_core
from bot.catalog.readiness import CHECKLIST
from bot.catalog.score import activity_label
from bot.config import Settings
from bot.db import models
from bot.db.models import GoodFirstIssue, Project

PROJECTS = 200


def test_populate_writes_listed_searchable_projects(database_url: str) -> None:
    assert populate(database_url, PROJECTS, seed=3) == PROJECTS

    core = build_core(Settings(database_url=database_url))
    with core.sessions() as session:
        projects = session.scalars(select(Project)).all()
        issues = session.scalars(select(GoodFirstIssue)).all()
        session.expunge_all()
    with core.sessions() as session:
        new = Project(**_copy_of(projects[0]))  # the id sequence moved past the bulk-written ids
        session.add(new)
        session.flush()
        assert new.id > PROJECTS
    core.engine.dispose()

    assert len(projects) == PROJECTS
    listed = [p for p in projects if p.listed]
    assert 0.85 * PROJECTS < len(listed) < PROJECTS  # some unlisted rows, which search must skip
    assert all(p.unlisted_reason for p in projects if not p.listed)
    assert {p.host for p in projects} == {GITHUB_HOST, GITLAB_HOST}
    assert len({(p.forge, p.host, p.full_name) for p in projects}) == PROJECTS
    assert any(p.full_name.count("/") >= 2 for p in projects if p.forge == "gitlab")  # nested groups
    for project in listed:
        assert project.name and project.web_url.endswith(project.full_name)
        assert len(project.description) <= 200
        assert project.primary_language in project.languages
        assert set(project.readiness) == {key for key, _ in CHECKLIST}
        assert project.score_parts["label"] == activity_label(project.activity_score)
        assert project.ready == (project.first_ready_at is not None)
    assert any(p.innersource and p.innersource["skills"] for p in listed)
    assert any(p.readme_excerpt for p in listed) and any(p.ready for p in listed)
    assert {i.state for i in issues} == {"open"} and {i.project_id for i in issues} <= {p.id for p in listed}


def test_populate_stores_the_digest_the_search_index_computes(database_url: str) -> None:
    digest = getattr(models, "search_digest", None)
    if digest is None or "search_digest" not in Project.__table__.c:
        return  # no search digest in this schema: nothing to keep in step
    populate(database_url, 50, seed=5)
    core = build_core(Settings(database_url=database_url))
    with core.sessions() as session:
        for project in session.scalars(select(Project)):
            values = {column: getattr(project, column) for column in models.SEARCHED_COLUMNS}
            assert project.search_digest == digest(values)
    core.engine.dispose()


def _copy_of(project: Project) -> dict[str, object]:
    skip = {"id", "forge_id", "search_digest"}
    values = {c.key: getattr(project, c.key) for c in Project.__table__.c if c.key not in skip}
    return {**values, "forge_id": "copy", "full_name": project.full_name + "-copy"}
