"""A large generated catalog written straight into the database, for benchmarks that read it.

`populate(url, projects)` fills a migrated database with projects that look like what a crawl
writes (score, readiness and docs computed by the real functions) but skips the forge: Core bulk
inserts, a couple of thousand rows a statement, so 50,000 projects take well under a minute, far
less than crawling them from the fake forge. The vocabulary is bot/sandbox/forge/generated_org.py's.

    .venv/bin/python bench/catalog_fixture.py --database-url sqlite:///catalog.db [--projects 50000]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, create_engine, func, insert, select, text

from bot.app import build_core
from bot.catalog.readiness import ReadinessFacts, checklist, is_ready, maintainers
from bot.catalog.score import ScoreInputs, activity_score
from bot.config import Settings
from bot.db.engine import normalise_url
from bot.db.models import Contribution, GoodFirstIssue, Project
from bot.db.progression import ChangeRequest
from bot.sandbox.forge.generated_org import (
    _DOMAINS,
    _KINDS,
    _LANGS,
    _PURPOSES,
    _TOPICS,
    GOOD_FIRST_ISSUE_LABELS,
    NAMESPACE,
)

GITHUB_HOST, GITLAB_HOST = "github.example.com", "gitlab.example.com"
GITLAB_SHARE = 0.20
CHUNK = 2_000  # rows per executemany: big enough to amortise round trips, small enough for memory
THRESHOLD = 50  # Settings.readiness_threshold's default
# Shares of all projects. Unlisted rows (about 5%) stay in the table, as after a real crawl.
ARCHIVED, FORK, PRIVATE_HIDDEN = 0.03, 0.015, 0.005
INNERSOURCE, README, CONTRIBUTING, CODEOWNERS = 0.35, 0.95, 0.38, 0.55
LICENSE, TEMPLATES, SECRET_SCAN = 0.6, 0.3, 0.15
WITH_GOOD_FIRST_ISSUES = 0.20
ACTIVE = 0.25  # with `ledger`: listed projects with change requests (1 before the windows, 0-8 in them)
PEOPLE = 5_000

_LANG_NAMES = tuple(name for name, _ in _LANGS)
_LANG_WEIGHTS = tuple(weight for _, weight in _LANGS)
_TEAMS = ("core", "platform", "growth", "enablement", "data", "mobile", "web")
_EXTRA = (  # sentences that stretch descriptions towards 200 characters
    "Owned by the {domain} team.",
    "Exposes a {topic} interface to other services.",
    "Written in {lang}; see the README to run it locally.",
    "Handles {domain} events from Kafka and writes them to the warehouse.",
    "Replaces the old {domain} monolith, one endpoint at a time.",
    "Contributions welcome: start with an issue labelled good first issue.",
)
_ISSUE_TITLES = ("Fix flaky test", "Add metrics", "Update README", "Refactor config loading",
                 "Handle timeouts", "Bump dependencies", "Add input validation")  # fmt: skip


def populate(database_url: str, projects: int = 50_000, seed: int = 7, ledger: bool = False) -> int:
    """Fill an empty catalog with `projects` rows (about 95% listed); returns how many were written.

    Migrates the database first. Same seed, same catalog (apart from timestamps, relative to now).
    With `ledger`, a quarter of the listed projects also get change requests over the last 180 days
    and merged contributions (some older), what a project card's metrics read; the projects are the
    same either way.
    """
    build_core(Settings(database_url=database_url)).engine.dispose()  # migrations
    # Plain executemany: psycopg then prepares the INSERT once and pipelines the rows, where
    # SQLAlchemy's default multi-row VALUES makes it re-parse a huge statement per batch (3x slower).
    engine = create_engine(normalise_url(database_url), use_insertmanyvalues=False)
    try:
        ledger_rng = random.Random(seed + 1) if ledger else None
        _fill(engine, projects, random.Random(seed), datetime.now(UTC), ledger_rng)
        if engine.dialect.name == "postgresql":
            # Autovacuum would gather statistics on a live database by now; plan queries on them.
            with engine.begin() as connection:
                tables = "projects, good_first_issues"
                tables += ", change_requests, contributions" if ledger else ""
                connection.execute(text(f"ANALYZE {tables}"))
    finally:
        engine.dispose()
    return projects


def _fill(
    engine: Engine, projects: int, rng: random.Random, now: datetime, ledger: random.Random | None = None
) -> None:
    projects_table, issues_table = Project.__table__, GoodFirstIssue.__table__
    with engine.begin() as connection:
        if connection.scalar(select(func.count()).select_from(projects_table)):
            raise ValueError("populate needs an empty catalog (a fresh database or schema)")
        names: dict[str, int] = {}
        for start in range(0, projects, CHUNK):
            # Ids are given, not generated, so issue rows can name their project without RETURNING.
            batch = [_project(rng, i, now, names) for i in range(start, min(projects, start + CHUNK))]
            connection.execute(insert(projects_table), [row for row, _ in batch])
            issues = [issue for _, fresh in batch for issue in fresh]
            if issues:
                connection.execute(insert(issues_table), issues)
            if ledger is not None:
                changes, merges = _ledger([row for row, _ in batch if row["listed"]], ledger, now)
                for table, rows in ((ChangeRequest, changes), (Contribution, merges)):
                    if rows:
                        connection.execute(insert(table), rows)
        if engine.dialect.name == "postgresql":  # the id sequence has to move past the given ids
            sequence = "SELECT setval(pg_get_serial_sequence('projects', 'id'), :n)"
            connection.execute(text(sequence), {"n": projects})


def _digest_function() -> Callable[[dict[str, Any]], str] | None:
    """The function the ORM's insert event uses to fill `projects.search_digest`, where that column
    exists. Bulk inserts skip ORM events; a crawl's rows carry the digest, so these rows do too."""
    try:
        from bot.db.models import search_digest
    except ImportError:
        return None
    return search_digest if "search_digest" in Project.__table__.c else None


_DIGEST = _digest_function()


def _name(rng: random.Random, names: dict[str, int]) -> str:
    """Unique across forges, so `project NAME` is never ambiguous: domain-kind, some domain-topic-kind."""
    domain, kind = rng.choice(_DOMAINS), rng.choice(_KINDS)
    base = f"{domain}-{rng.choice(_TOPICS)}-{kind}" if rng.random() < 0.5 else f"{domain}-{kind}"
    names[base] = names.get(base, 0) + 1
    return base if names[base] == 1 else f"{base}-{names[base]}"


def _description(rng: random.Random, name: str, domain: str, lang: str) -> str:
    if rng.random() < 0.03:
        return ""
    text = f"{name.replace('-', ' ').capitalize()} {rng.choice(_PURPOSES)}."
    for extra in rng.sample(_EXTRA, rng.choice((0, 0, 1, 1, 2, 3))):
        text += " " + extra.format(domain=domain, topic=rng.choice(_TOPICS), lang=lang)
    return text[:200]


def _weekly(rng: random.Random, pushed_days: float) -> list[int]:
    """52 weeks, oldest first; only the last 13 count for the score, so only they carry commits."""
    if pushed_days > 91:
        return [0] * 52
    pace = rng.choice((0, 1, 1, 2, 3, 5, 8, 13))
    return [0] * 39 + rng.choices(range(2 * pace + 1), k=13)


def _project(
    rng: random.Random, i: int, now: datetime, names: dict[str, int]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One projects row as a crawl leaves it (details read, rescored), and its open issue rows."""
    gitlab = rng.random() < GITLAB_SHARE
    name = _name(rng, names)
    domain = name.split("-", 1)[0]
    if gitlab:
        group = f"{NAMESPACE}/{domain}" + (f"/{rng.choice(_TEAMS)}" if rng.random() < 0.5 else "")
        forge, host, full_name = "gitlab", GITLAB_HOST, f"{group}/{name}"
    else:
        forge, host, full_name = "github", GITHUB_HOST, f"{NAMESPACE}/{name}"
    roll = rng.random()
    archived, fork = roll < ARCHIVED, ARCHIVED <= roll < ARCHIVED + FORK
    hidden = ARCHIVED + FORK <= roll < ARCHIVED + FORK + PRIVATE_HIDDEN
    reason = "archived" if archived else "fork" if fork else "private" if hidden else None
    visibility = "private" if hidden else ("public" if rng.random() < 0.1 else "internal")

    bucket = rng.random()
    pushed_days = rng.uniform(0.05, 90) if bucket < 0.35 else rng.uniform(90, 2_500 if bucket > 0.65 else 365)
    pushed = now - timedelta(days=pushed_days)
    updated = pushed + timedelta(minutes=rng.randint(0, 600))
    created = pushed - timedelta(days=rng.expovariate(1 / 500))
    primary = rng.choices(_LANG_NAMES, _LANG_WEIGHTS)[0]
    languages = {primary: int(rng.lognormvariate(11, 1.5)) + 500}
    for other in rng.sample(_LANG_NAMES, rng.choice((0, 0, 1, 2))):
        languages.setdefault(other, int(languages[primary] * rng.uniform(0.01, 0.3)) + 1)
    topics = rng.sample(_TOPICS, rng.choice((0, 1, 1, 2, 2, 3, 4)))
    description = _description(rng, name, domain, primary)
    stars = min(int(rng.paretovariate(1.2)) - 1, 2_000)
    owners = [f"dev{n:04d}" for n in rng.sample(range(PEOPLE), rng.choice((1, 1, 2)))]

    innersource = None
    if rng.random() < INNERSOURCE:
        motivation = description or f"The {domain} team's shared {name.rsplit('-', 1)[-1]}."
        skills = [primary, *rng.sample(_TOPICS, rng.choice((0, 1, 2)))]
        innersource = {"title": name, "motivation": motivation, "skills": skills, "maintainers": owners}
    codeowners = "* " + " ".join(f"@{o}" for o in owners) + "\n" if rng.random() < CODEOWNERS else None
    readme = rng.random() < README
    templates = rng.random() < TEMPLATES
    issue_template, change_template = (
        (".gitlab/issue_templates/Bug.md", ".gitlab/merge_request_templates/Default.md")
        if gitlab
        else (".github/ISSUE_TEMPLATE/bug_report.md", ".github/pull_request_template.md")
    )
    docs = {
        "readme": "README.md" if readme else None,
        "contributing": "CONTRIBUTING.md" if rng.random() < CONTRIBUTING else None,
        "license": "LICENSE" if rng.random() < LICENSE else None,
        "issue_template": issue_template if templates else None,
        "change_template": change_template if templates else None,
        "secret_detection": rng.random() < SECRET_SCAN,
        "innersource_error": None,
    }
    issues = _issues(rng, i, forge, host, full_name, name, now, created) if not reason else []

    project = {
        "id": i + 1,
        "forge": forge,
        "host": host,
        "forge_id": str(1_000_000 + i),
        "namespace": NAMESPACE,
        "full_name": full_name,
        "name": name,
        "web_url": f"https://{host}/{full_name}",
        "description": description,
        "topics": topics,
        "languages": languages,
        "primary_language": primary,
        "visibility": visibility,
        "archived": archived,
        "fork": fork,
        "default_branch": "main",
        "stars": stars,
        "forks": min(stars // 4, 500),
        "subscribers": 0 if gitlab else min(stars // 3 + len(owners), 300),
        "open_issues": len(issues) + rng.randint(0, 12),
        "created_at": created,
        "updated_at": updated,
        "pushed_at": pushed,
        "weekly_commits": _weekly(rng, pushed_days),
        "innersource": innersource,
        "readme_excerpt": _readme(name, domain, description, primary)[:300] if readme else "",
        "docs": docs,
        "maintainers": maintainers(codeowners, innersource),
        "unlisted_reason": reason,
        "listed": reason is None,
        "change_marker": f"{pushed.isoformat()}|{updated.isoformat()}",
        "details_complete": True,
        "first_seen_at": now - timedelta(days=30),
        "last_crawled_at": now,
    }
    _rescore(project, issues, now)
    if _DIGEST is not None:
        project["search_digest"] = _DIGEST(project)
    return project, issues


def _ledger(
    projects: list[dict[str, Any]], rng: random.Random, now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Change requests (merged, closed or open; most answered) and merged contributions of the active
    share of these projects, by their maintainers and by others."""
    changes: list[dict[str, Any]] = []
    merges: list[dict[str, Any]] = []
    for project in projects:
        if rng.random() >= ACTIVE:
            continue
        forge, host, pid = project["forge"], project["host"], project["id"]
        where = f"{project['web_url']}/{'-/merge_requests' if forge == 'gitlab' else 'pull'}"
        owners = [str(m).lstrip("@") for m in project["maintainers"]] or ["dev0000"]
        for number in range(1, rng.randint(2, 10)):
            author = rng.choice(owners) if rng.random() < 0.4 else f"dev{rng.randrange(PEOPLE):04d}"
            created = now - timedelta(days=rng.uniform(0, 180) if number > 1 else rng.uniform(180, 700))
            responded = created + timedelta(hours=rng.expovariate(1 / 12))
            roll = rng.random()
            stopped = min(now, created + timedelta(days=rng.expovariate(1 / 2)))
            merged = stopped if roll < 0.7 else None
            closed = stopped if roll < 0.85 else None
            first_response = responded if rng.random() < 0.8 and responded < (closed or now) else None
            key = f"{forge}:{host}:%s:{pid}-{number}"
            changes.append(
                {
                    "key": key % "change", "project_id": pid, "forge": forge, "host": host,
                    "number": number, "title": f"Change {number}", "url": f"{where}/{number}",
                    "author": author, "author_is_bot": False, "state": "merged" if merged else
                    "closed" if closed else "open", "created_at": created, "merged_at": merged,
                    "closed_at": closed, "first_response_at": first_response,
                    "updated_at": max(t for t in (created, merged, closed, first_response) if t),
                }
            )  # fmt: skip
            if merged is not None:
                merges.append(
                    {
                        "key": key % "merged_change", "project_id": pid, "forge": forge, "host": host,
                        "kind": "merged_change", "author": author, "author_is_bot": False,
                        "number": number, "title": f"Change {number}", "url": f"{where}/{number}",
                        "occurred_at": merged,
                    }
                )  # fmt: skip
    return changes, merges


def _readme(name: str, domain: str, description: str, primary: str) -> str:
    about = description or f"The {domain} team's {name}."
    return (
        f"# {name}\n\n{about}\n\n## Getting started\n\nYou need {primary} and make. Run `make run`, "
        f"then open http://localhost:8080. Questions go to #{domain}-dev.\n\n## Architecture\n\n"
        f"See docs/architecture.md for how {name} fits into the {domain} platform."
    )


def _issues(
    rng: random.Random,
    i: int,
    forge: str,
    host: str,
    full_name: str,
    name: str,
    now: datetime,
    created: datetime,
) -> list[dict[str, Any]]:
    if rng.random() >= WITH_GOOD_FIRST_ISSUES:
        return []
    path = "-/issues" if forge == "gitlab" else "issues"
    rows = []
    for number in rng.sample(range(1, 200), rng.randint(1, 4)):
        opened = max(created, now - timedelta(days=rng.uniform(0, 120)))
        rows.append(
            {
                "project_id": i + 1,
                "forge_id": f"{i}{number:04d}",
                "number": number,
                "title": f"{rng.choice(_ISSUE_TITLES)} in {name}",
                "url": f"https://{host}/{full_name}/{path}/{number}",
                "labels": [rng.choice(GOOD_FIRST_ISSUE_LABELS)],
                "state": "open",
                "assignees": [f"dev{rng.randrange(PEOPLE):04d}"] if rng.random() < 0.2 else [],
                "author": f"dev{rng.randrange(PEOPLE):04d}",
                "created_at": opened,
                "updated_at": opened,
            }
        )
    return rows


def _rescore(project: dict[str, Any], issues: list[dict[str, Any]], now: datetime) -> None:
    """What bot.catalog.store.rescore does to an ORM row, done to a dict."""
    innersource, docs = project["innersource"] or {}, project["docs"]
    motivation = str(innersource.get("motivation") or "")
    result = activity_score(
        ScoreInputs(
            forks=project["forks"],
            stars=project["stars"],
            subscribers=project["subscribers"],
            open_issues=project["open_issues"],
            created_at=project["created_at"],
            updated_at=project["updated_at"],
            participation=project["weekly_commits"] or None,
            description=project["description"],
            motivation=motivation,
            guidelines=docs["contributing"],
        ),
        now,
    )
    facts = ReadinessFacts(
        description=project["description"],
        motivation=motivation,
        topics=tuple(project["topics"]),
        readme=bool(docs["readme"]),
        contributing=bool(docs["contributing"]),
        maintainers=tuple(project["maintainers"]),
        license=bool(docs["license"]),
        innersource_json=project["innersource"] is not None,
        issue_template=bool(docs["issue_template"]),
        change_template=bool(docs["change_template"]),
        open_good_first_issues=sum(1 for issue in issues if not issue["assignees"]),
        secret_detection=bool(docs["secret_detection"]),
        pushed_at=project["pushed_at"],
    )
    items = checklist(facts, now)
    project["activity_score"] = result.score
    project["score_parts"] = result.parts()
    project["readiness"] = items
    project["ready"] = is_ready(items, result.score, THRESHOLD)
    project["first_ready_at"] = project["first_seen_at"] if project["ready"] else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="sqlite:///file.db or postgresql+psycopg://…")
    parser.add_argument("--projects", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    written = populate(args.database_url, args.projects, args.seed)
    seconds = time.perf_counter() - started
    rate = written / seconds
    print(f"catalog_fixture: {written} projects in {seconds:.1f} s ({rate:,.0f} rows/s, migrations included)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
