"""Routing cost: 10,000 new good-first-issues x 100,000 subscriptions over a 50,000-project catalog.

Budget (issue 7): routing the new issues within 2 s and 500 MB peak RSS; building the digests that
are due (the second half of `route_all`, a transaction of its own) within 1 s. Both are timed in the
same process, one after the other, and `route_all`'s total is printed too. The catalog comes from
bench/catalog_fixture.py; a setup step (its own process, so its memory does not count) then adds the
new issues and the subscribers, and this process runs one routing pass on a fixed clock and reports.

Subscriptions, 10,000 subscribers x 10 terms: 6 topics drawn Zipf-like from the catalog's topic
vocabulary (a few topics — api, backend, frontend — are what most people follow, the long tail is
followed by few), 2 languages weighted like the catalog's languages (people follow what is written),
and 2 projects (the team next door). Cadences: 20% instant, 65% daily (the default), 12% weekly,
3% off; time zones spread over five zones, so at the bench's clock (08:00 UTC) the Berlin and Paris
people's digests are due and built in the same pass. New issues: 10,000 labelled in the last hour in
random listed projects, 20% of them assigned already (as the fixture's own).

    .venv/bin/python bench/route.py [--database-url postgresql+psycopg://…] [--projects 50000]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.db.engine import make_engine, normalise_url

BUDGET_SECONDS, BUDGET_MB = 2.0, 500  # issue 7: routing the 10,000 issues
DIGEST_BUDGET_SECONDS = 1.0  # ours: building the digests due at the bench's clock (3,916 of them)
SUBSCRIBERS, TERMS = 10_000, 10
NEW_ISSUES = 10_000
ZONES = ("Europe/Berlin", "Europe/Paris", "America/New_York", "Asia/Kolkata", "UTC")
CADENCES = (("instant", 20), ("daily", 65), ("weekly", 12), ("off", 3))


def bench_now() -> datetime:
    today = datetime.now(UTC).date()
    return datetime(today.year, today.month, today.day, 8, 0, tzinfo=UTC)


def setup(database_url: str, projects: int, seed: int = 11) -> None:
    from bench.catalog_fixture import populate
    from bot.catalog.search_text import language_key, topic_key
    from bot.db.models import GoodFirstIssue, Project
    from bot.db.people import Person, Subscription
    from bot.sandbox.forge.generated_org import _LANGS, _TOPICS

    populate(database_url, projects)
    rng, now = random.Random(seed), bench_now()
    engine = make_engine(database_url)
    with engine.begin() as connection:
        listed = list(connection.scalars(select(Project.id).where(Project.listed.is_(True))))
        urls = dict(connection.execute(select(Project.id, Project.web_url)).all())
        issues = []
        for n in range(NEW_ISSUES):
            project = rng.choice(listed)
            labelled = now - timedelta(minutes=rng.uniform(1, 60))
            issues.append(
                {
                    "project_id": project, "forge_id": f"bench-{n}", "number": 10_000 + n,
                    "title": f"Bench issue {n}", "url": f"{urls[project]}/issues/{10_000 + n}",
                    "labels": ["good first issue"], "state": "open",
                    "assignees": ["someone"] if rng.random() < 0.2 else [], "author": f"dev{n % 5000:04d}",
                    "created_at": labelled, "updated_at": labelled,
                }
            )  # fmt: skip
        for start in range(0, len(issues), 2_000):
            connection.execute(insert(GoodFirstIssue), issues[start : start + 2_000])
        topic_weights = [1 / (rank + 1) for rank in range(len(_TOPICS))]
        people, subscriptions = [], []
        for i in range(SUBSCRIBERS):
            cadence = rng.choices([c for c, _ in CADENCES], [w for _, w in CADENCES])[0]
            people.append(
                {
                    "id": i + 1, "slack_user_id": f"U{i:08d}", "team_id": "T0BENCH", "name": f"person {i}",
                    "tz": rng.choice(ZONES), "cadence": cadence, "maintainer_digest": True,
                    "created_at": now, "updated_at": now,
                }
            )  # fmt: skip
            terms: dict[tuple[str, str], str] = {}
            while len(terms) < 6:
                topic = rng.choices(_TOPICS, topic_weights)[0]
                terms[("topic", topic_key(topic))] = topic
            while len(terms) < 8:
                lang = rng.choices([name for name, _ in _LANGS], [w for _, w in _LANGS])[0]
                terms[("lang", language_key(lang))] = lang
            while len(terms) < TERMS:
                terms[("project", str(rng.choice(listed)))] = "a project"
            subscriptions += [
                {"person_id": i + 1, "kind": k, "value": v, "label": label, "created_at": now}
                for (k, v), label in terms.items()
            ]
        connection.execute(insert(Person), people)
        for start in range(0, len(subscriptions), 5_000):
            connection.execute(insert(Subscription), subscriptions[start : start + 5_000])
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('people', 'id'), {SUBSCRIBERS})"))
            connection.execute(text("ANALYZE"))
    engine.dispose()


def route(database_url: str) -> int:
    from bot.clock import ManualClock
    from bot.config import Settings
    from bot.db.engine import session_factory
    from bot.db.people import Subscription
    from bot.services.routing import Router

    engine = make_engine(database_url)
    with engine.connect() as connection:
        subscriptions = connection.scalar(select(func.count()).select_from(Subscription))
    router = Router(session_factory(engine), ManualClock(bench_now()), Settings(database_url=database_url))
    # `route_all` is these two steps, each its own transaction: timed apart, both measured.
    started = time.perf_counter()
    report = router.route_new()
    routed = time.perf_counter()
    digests = router.build_digests()
    finished = time.perf_counter()
    routing_seconds, digest_seconds = routed - started, finished - routed
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engine.dispose()
    report = dataclasses.replace(report, digests=digests)
    print(f"route: {engine.dialect.name}, {subscriptions:,} subscriptions, {report.issues:,} candidates")
    print(f"route: {report.summary()}")
    print(f"route: routing {routing_seconds:.2f} s (budget {BUDGET_SECONDS:.0f} s), "
          f"digests {digest_seconds:.2f} s (budget {DIGEST_BUDGET_SECONDS:.0f} s), "
          f"route_all {routing_seconds + digest_seconds:.2f} s; "
          f"peak RSS {peak_mb:.0f} MB (budget {BUDGET_MB} MB)")  # fmt: skip
    over = routing_seconds > BUDGET_SECONDS or digest_seconds > DIGEST_BUDGET_SECONDS or peak_mb > BUDGET_MB
    print("route: " + ("OVER BUDGET" if over else "within budget"))
    return 1 if over else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="postgresql+psycopg://… (default: a temporary SQLite file)")
    parser.add_argument("--projects", type=int, default=50_000)
    parser.add_argument("--setup-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup_only:
        setup(args.database_url, args.projects)
        return 0
    with tempfile.TemporaryDirectory() as directory:
        url, cleanup = _database(args.database_url, Path(directory))
        try:
            started = time.perf_counter()
            command = [sys.executable, __file__, "--setup-only", "--database-url", url]
            subprocess.run([*command, "--projects", str(args.projects)], check=True)
            setup_seconds = time.perf_counter() - started
            print(f"route: setup (catalog, {NEW_ISSUES:,} new issues, subscribers) {setup_seconds:.0f} s")
            return route(url)
        finally:
            cleanup()


def _database(url: str | None, directory: Path) -> tuple[str, Callable[[], None]]:
    """A fresh database: a SQLite file, or a private schema on the given PostgreSQL (dropped after)."""
    if url is None:
        return f"sqlite:///{directory / 'route.db'}", lambda: None
    base = normalise_url(url)
    schema = f"bench_route_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}", drop


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
