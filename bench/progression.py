"""Progression cost: levels from a 2,000,000-contribution ledger, and `me`/`stats` answered over HTTP.

Budgets (issue 8): a full recompute within 60 s and 1 GB peak RSS; an incremental recompute after
1,000 new contributions within 1 s; `/innersource me` and `/innersource stats` p99 <= 100 ms.

The ledger: merged changes (60%) and reviews (40%) spread evenly over two years (so about a quarter
fall in the 180-day window), by 100,000 forge accounts over the 50,000-project catalog of
bench/catalog_fixture.py. Both are Zipf-like: a few very active people and projects, a long tail.
Each account works mostly on a handful of "home" projects (the ones it maintains among them, for the
catalog's maintainers `dev0000`…`dev4999`), with drive-by changes elsewhere; 10% of the accounts
spell their login with capitals. A handful of bots (flagged by the forge, and one only named in
`bot_logins`) make 2% of the rows. 10,000 Slack people each have a verified identity, a tenth of
them a second one on the other forge. A setup step (its own process, so its memory does not count)
writes all of it in bulk (COPY on PostgreSQL); this process then times, on one clock:

1. the first full recompute (every level written, milestones backfilled, nominations opened) and a
   second full one (the daily run: little changes); peak RSS over both;
2. an incremental recompute after 1,000 new contributions (10% by accounts new to the ledger);
3. `me` and `stats` over signed keep-alive HTTP against `innersource-bot serve` (a subprocess, so its
   RSS is its own; bench/find_latency.py's harness), asked by linked people known to the fake Slack.

    .venv/bin/python bench/progression.py [--database-url postgresql+psycopg://…]
        [--contributions 2000000] [--accounts 100000] [--people 10000] [--projects 50000]
        [--requests 1000] [--concurrency 4] [--profile FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import math
import os
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# bench/find_latency.py imports catalog_fixture as a top-level module
sys.path.insert(1, str(Path(__file__).resolve().parent))

from bench.route import _database
from bot.db.engine import make_engine, normalise_url

FULL_BUDGET_SECONDS, FULL_BUDGET_MB = 60.0, 1024  # issue 8: a full recompute
INCREMENTAL_BUDGET_SECONDS = 1.0  # issue 8: after 1,000 new contributions
P99_BUDGET_MS = 100.0  # issue 8: `me` and `stats`
CONTRIBUTIONS, ACCOUNTS, PEOPLE, NEW_CONTRIBUTIONS = 2_000_000, 100_000, 10_000, 1_000
HISTORY_DAYS = 730
MERGED_SHARE, BOT_SHARE, DRIVE_BY, CAPITALISED, SECOND_FORGE = 0.6, 0.02, 0.15, 0.10, 0.10
# Zipf-Mandelbrot weights 1/(rank + q): q flattens the head, so the busiest account has a few
# thousand rows over two years (not 8% of the ledger) and the quietest still a couple.
ACCOUNT_Q, PROJECT_Q = 50, 20
FLAGGED_BOTS = (("github", "dependabot[bot]"), ("github", "renovate[bot]"),
                ("github", "github-actions[bot]"), ("gitlab", "gitlab-bot"))  # fmt: skip
_FLAGGED = {login for _, login in FLAGGED_BOTS}
UNFLAGGED_BOT = ("github", "release-robot")  # the forge does not say; `bot_logins` does
BOT_LOGINS = (UNFLAGGED_BOT[1],)
TEAM_ID = "T0SANDBOX"  # the fake Slack's workspace: the user gate admits its members only
CHUNK = 10_000
CALLERS = 100  # linked people asking `me` and `stats`, each once in the warm-up
PROBE = 8  # callers warmed up first
SLOW, SLOW_REQUESTS = 10, 50  # a warm-up median over 10x the budget: fewer requests, the verdict is clear
_COLUMNS = ("id", "key", "project_id", "forge", "host", "kind", "author", "author_is_bot", "number",
            "title", "url", "occurred_at")  # fmt: skip


def _log(message: str) -> None:
    print(f"progression: {message}", flush=True)


# -- setup (its own process) ------------------------------------------------------------------------


@dataclass
class _Catalog:
    """Listed and unlisted projects by forge, each forge's list in popularity order (a shuffle)."""

    hosts: dict[str, str]
    ids: dict[str, list[int]]
    cumulative: dict[str, list[float]]
    urls: dict[int, str]
    maintained: dict[tuple[str, str], list[int]]  # (forge, casefolded login) → projects

    def popular(self, rng: random.Random, forge: str, k: int = 1) -> list[int]:
        return rng.choices(self.ids[forge], cum_weights=self.cumulative[forge], k=k)


def _catalog(connection: Connection, rng: random.Random) -> _Catalog:
    from bot.db.models import Project

    hosts: dict[str, str] = {}
    ids: dict[str, list[int]] = {}
    urls: dict[int, str] = {}
    maintained: dict[tuple[str, str], list[int]] = {}
    query = select(Project.id, Project.forge, Project.host, Project.web_url, Project.maintainers)
    for pid, forge, host, url, maintainers in connection.execute(query.order_by(Project.id)):
        hosts[forge] = host
        ids.setdefault(forge, []).append(pid)
        urls[pid] = url
        for login in maintainers or ():
            maintained.setdefault((forge, str(login).casefold()), []).append(pid)
    cumulative = {}
    for forge, listed in ids.items():
        rng.shuffle(listed)
        cumulative[forge] = list(accumulate(1 / (rank + PROJECT_Q) for rank in range(len(listed))))
    return _Catalog(hosts, ids, cumulative, urls, maintained)


@dataclass
class _Accounts:
    forge: list[str]
    login: list[str]
    home: list[list[int]]
    cumulative: list[float]  # activity, by index (ranks shuffled)

    def pick(self, rng: random.Random, k: int) -> list[int]:
        return rng.choices(range(len(self.login)), cum_weights=self.cumulative, k=k)


def _accounts(catalog: _Catalog, count: int, rng: random.Random) -> _Accounts:
    forges = sorted(catalog.ids)
    shares = [len(catalog.ids[f]) for f in forges]
    forge, login, home = [], [], []
    for n in range(count):
        own = rng.choices(forges, shares)[0]
        name = f"dev{n:04d}" if n < 5_000 else f"user{n:06d}"  # dev…: the catalog's maintainers
        if rng.random() < CAPITALISED:
            name = name.capitalize()
        projects = catalog.maintained.get((own, name.casefold()), [])[:3]
        projects += catalog.popular(rng, own, 1 + min(int(rng.expovariate(1 / 2)), 12))
        forge.append(own)
        login.append(name)
        home.append(list(dict.fromkeys(projects)))
    ranks = list(range(count))
    rng.shuffle(ranks)
    return _Accounts(forge, login, home, list(accumulate(1 / (rank + ACCOUNT_Q) for rank in ranks)))


def contribution_rows(
    catalog: _Catalog, accounts: _Accounts, count: int, first_id: int, now: datetime, rng: random.Random,
    history_days: float = HISTORY_DAYS,
) -> Iterator[tuple[Any, ...]]:  # fmt: skip
    """`count` ledger rows (in `_COLUMNS` order) drawn from the accounts' activity and home projects."""
    picks = accounts.pick(rng, count)
    bots = [*FLAGGED_BOTS, UNFLAGGED_BOT]
    for offset, who in enumerate(picks):
        n = first_id + offset
        if rng.random() < BOT_SHARE:
            forge, author = rng.choice(bots)
            bot = (forge, author) != UNFLAGGED_BOT
            project = catalog.popular(rng, forge)[0]
        else:
            forge, author, bot = accounts.forge[who], accounts.login[who], False
            home = accounts.home[who]
            project = rng.choice(home) if rng.random() >= DRIVE_BY else catalog.popular(rng, forge)[0]
        kind = "merged_change" if bot or rng.random() < MERGED_SHARE else "review"
        host = catalog.hosts[forge]
        when = now - timedelta(seconds=rng.uniform(0, history_days * 86_400))
        yield (
            n, f"{forge}:{host}:{kind}:{n}", project, forge, host, kind, author, bot, n,
            f"Change {n}", f"{catalog.urls[project]}/pull/{n}", when,
        )  # fmt: skip


def setup(
    database_url: str, projects: int, contributions: int, accounts: int, people: int, seed: int
) -> None:
    from bench.catalog_fixture import populate

    started = time.perf_counter()
    populate(database_url, projects)
    _log(f"setup: catalog of {projects:,} projects in {time.perf_counter() - started:.0f} s")
    rng, now = random.Random(seed), datetime.now(UTC)
    engine = create_engine(normalise_url(database_url), use_insertmanyvalues=False)
    try:
        with engine.begin() as connection:
            catalog = _catalog(connection, rng)
            ledger = _accounts(catalog, accounts, rng)
            started = time.perf_counter()
            rows = contribution_rows(catalog, ledger, contributions, 1, now, rng)
            _write_ledger(connection, rows)
            _log(f"setup: {contributions:,} contributions in {time.perf_counter() - started:.0f} s")
            _write_people(connection, catalog.hosts, ledger, people, now, rng)
            if connection.dialect.name == "postgresql":
                for table, n in (("contributions", contributions), ("people", people)):
                    connection.execute(
                        text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {max(n, 1)})")
                    )
                connection.execute(text("SELECT setval(pg_get_serial_sequence('identities', 'id'), "
                                        "(SELECT coalesce(max(id), 1) FROM identities))"))  # fmt: skip
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    finally:
        engine.dispose()


def _write_ledger(connection: Connection, rows: Iterator[tuple[Any, ...]]) -> None:
    from bot.db.models import Contribution

    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY contributions ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    statement = insert(Contribution)
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(dict(zip(_COLUMNS, row, strict=True)))
        if len(batch) == CHUNK:
            connection.execute(statement, batch)
            batch = []
    if batch:
        connection.execute(statement, batch)


def _write_people(
    connection: Connection,
    hosts: dict[str, str],
    ledger: _Accounts,
    count: int,
    now: datetime,
    rng: random.Random,
) -> None:
    from bot.db.people import Identity, Person

    joined = now - timedelta(days=30)
    chosen = rng.sample(range(len(ledger.login)), min(count, len(ledger.login)))
    taken = set(chosen)
    by_forge: dict[str, list[int]] = {}
    for n in range(len(ledger.login)):
        if n not in taken:
            by_forge.setdefault(ledger.forge[n], []).append(n)
    people, identities = [], []
    for i, account in enumerate(chosen):
        people.append(
            {
                "id": i + 1, "slack_user_id": slack_user_id(i), "team_id": TEAM_ID, "name": f"person {i}",
                "email": f"person{i}@acme.example", "tz": "Europe/Berlin", "cadence": "daily",
                "maintainer_digest": True, "created_at": joined, "updated_at": joined,
            }
        )  # fmt: skip
        mine = [account]
        other = [f for f in by_forge if f != ledger.forge[account] and by_forge[f]]
        if other and rng.random() < SECOND_FORGE:
            mine.append(by_forge[other[0]].pop())
        for n in mine:
            identities.append(
                {
                    "person_id": i + 1, "forge": ledger.forge[n], "host": hosts[ledger.forge[n]],
                    "login": ledger.login[n], "login_key": ledger.login[n].casefold(), "verified": True,
                    "source": "email", "created_at": joined,
                }
            )  # fmt: skip
    for start in range(0, len(people), CHUNK):
        connection.execute(insert(Person), people[start : start + CHUNK])
    for start in range(0, len(identities), CHUNK):
        connection.execute(insert(Identity), identities[start : start + CHUNK])
    _log(f"setup: {len(people):,} people with {len(identities):,} verified identities")


def slack_user_id(i: int) -> str:
    return f"U0BENCH{i:06d}"


# -- measuring ------------------------------------------------------------------------------------


@dataclass
class Figures:
    full_seconds: list[float] = field(default_factory=list)
    incremental_seconds: float = 0.0
    peak_mb: float = 0.0
    over: list[str] = field(default_factory=list)


def recompute(database_url: str, seed: int, profile: Path | None) -> Figures:
    from bot.clock import ManualClock
    from bot.config import Settings
    from bot.db.engine import session_factory
    from bot.db.models import Contribution
    from bot.db.people import Identity
    from bot.db.progression import ContributorLevel
    from bot.services.progression import ProgressionService

    engine = make_engine(database_url)
    with engine.connect() as connection:
        ledger = connection.scalar(select(func.count()).select_from(Contribution)) or 0
        linked = connection.scalar(select(func.count(func.distinct(Identity.person_id)))) or 0
    clock = ManualClock(datetime.now(UTC))
    settings = Settings(database_url=database_url, bot_logins=BOT_LOGINS)
    service = ProgressionService(session_factory(engine), settings, clock)
    _log(f"{engine.dialect.name}, {ledger:,} contributions, {linked:,} linked people")
    figures = Figures()
    profiler = cProfile.Profile() if profile else None
    for run in ("first", "again"):
        started = time.perf_counter()
        if profiler and run == "first":
            profiler.enable()
        report = service.recompute(full=True)
        if profiler and run == "first":
            profiler.disable()
        figures.full_seconds.append(time.perf_counter() - started)
        _log(f"full recompute ({run}) {figures.full_seconds[-1]:.2f} s: {report.summary()}")
        clock.advance(timedelta(minutes=15))
    figures.peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    with engine.begin() as connection:
        connection.execute(insert(Contribution), new_rows(connection, NEW_CONTRIBUTIONS, clock(), seed))
    clock.advance(timedelta(minutes=15))
    incremental_profiler = cProfile.Profile() if os.environ.get("PROFILE_INCREMENTAL") else None
    started = time.perf_counter()
    if incremental_profiler:
        incremental_profiler.enable()
    report = service.recompute(full=False)
    figures.incremental_seconds = time.perf_counter() - started
    if incremental_profiler:
        incremental_profiler.disable()
        pstats.Stats(incremental_profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)
    _log(f"incremental recompute {figures.incremental_seconds:.3f} s: {report.summary()}")
    _refresh_metrics(settings, engine, clock)
    with engine.connect() as connection:
        levels = dict(
            connection.execute(
                select(ContributorLevel.level, func.count()).group_by(ContributorLevel.level)
            ).all()
        )
    _log("levels: " + ", ".join(f"{level} {n:,}" for level, n in sorted(levels.items(), key=lambda x: -x[1])))
    engine.dispose()

    full = max(figures.full_seconds)
    _log(f"full recompute {full:.2f} s (budget {FULL_BUDGET_SECONDS:.0f} s), "
         f"peak RSS {figures.peak_mb:.0f} MB (budget {FULL_BUDGET_MB} MB); incremental "
         f"{figures.incremental_seconds:.3f} s (budget {INCREMENTAL_BUDGET_SECONDS:.0f} s)")  # fmt: skip
    if full > FULL_BUDGET_SECONDS:
        figures.over.append("full recompute time")
    if figures.peak_mb > FULL_BUDGET_MB:
        figures.over.append("full recompute memory")
    if figures.incremental_seconds > INCREMENTAL_BUDGET_SECONDS:
        figures.over.append("incremental recompute time")
    if profiler and profile:
        profiler.dump_stats(str(profile))
        stats = pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative")
        stats.print_stats(30)
    return figures


def _refresh_metrics(settings: Any, engine: Engine, clock: Any) -> None:
    """What the progression job does after the levels: the program metrics `stats` reads (timed, no
    budget of its own; without the snapshot every `stats` would compute them)."""
    try:
        from bot.services.stats import StatsService
    except ImportError as exc:
        _log(f"metrics refresh: not available yet ({exc})")
        return
    from bot.db.engine import session_factory

    started = time.perf_counter()
    said = StatsService(session_factory(engine), clock, settings).refresh()
    seconds = time.perf_counter() - started
    _log(f"metrics refresh (the progression job's second step; no budget) {seconds:.2f} s: {said}")


def new_rows(connection: Connection, count: int, now: datetime, seed: int) -> list[dict[str, Any]]:
    """`count` contributions of the last 15 minutes: 90% by accounts already in the ledger, on a project
    they worked on (a random ledger row's, so the busy are likelier), 10% by accounts new to it."""
    from bot.db.models import Contribution, Project

    rng = random.Random(seed)
    top = connection.scalar(select(func.max(Contribution.id))) or 0
    sampled = sorted(rng.sample(range(1, top + 1), min(top, int(count * 0.9))))
    seen: list[Any] = []
    for start in range(0, len(sampled), 500):
        query = select(Contribution.project_id, Contribution.forge, Contribution.host, Contribution.author)
        seen += [
            tuple(row)
            for row in connection.execute(query.where(Contribution.id.in_(sampled[start : start + 500])))
        ]
    projects = list(connection.execute(select(Project.id, Project.forge, Project.host).where(Project.listed)))
    rows = []
    for n, number in enumerate(range(top + 1, top + 1 + count)):
        if n < len(seen):
            project, forge, host, author = seen[n]
        else:
            project, forge, host = rng.choice(projects)
            author = f"newcomer{n:04d}"
        kind = "merged_change" if rng.random() < MERGED_SHARE else "review"
        rows.append(
            {
                "key": f"{forge}:{host}:{kind}:{number}", "project_id": project, "forge": forge, "host": host,
                "kind": kind, "author": author, "author_is_bot": author in _FLAGGED,
                "number": number, "title": f"New change {n}", "url": "", "occurred_at":
                now - timedelta(seconds=rng.uniform(0, 900)),
            }
        )  # fmt: skip
    return rows


# -- `me` and `stats` over HTTP ---------------------------------------------------------------------


@dataclass
class _Run:
    latencies: list[tuple[str, float]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _load(port: int, secret: str, work: Sequence[tuple[str, str, Any]], concurrency: int) -> _Run:
    """find_latency.load, with the Slack user of each request given: (subcommand, response_url, user)."""
    from bench.find_latency import REQUEST_TIMEOUT, _answer_problem
    from bot.sandbox.slack.slack_requests import signed_slash_command

    run = _Run()

    def worker(share: Sequence[tuple[str, str, Any]]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        for command, response_url, user in share:
            request = signed_slash_command(secret, command, response_url, user)
            started = time.perf_counter()
            try:
                connection.request("POST", "/slack/events", body=request.body, headers=request.headers)
                response = connection.getresponse()
                body = response.read()
                elapsed = time.perf_counter() - started
                problem = _answer_problem(response.status, body)
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                problem = f"{type(exc).__name__}: {exc}"
            if problem:
                run.failures.append(f"{command} as {user.user_id}: {problem}")
            else:
                run.latencies.append((command, elapsed))
        connection.close()

    threads = [threading.Thread(target=worker, args=(work[n::concurrency],)) for n in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - started
    return run


def available_commands() -> tuple[list[str], list[str]]:
    """(the subcommands of `me`, `stats` in the subcommand table, those not there yet)."""
    wanted = ("me", "stats")
    try:
        from handlers.subcommands import NAMES
    except ImportError as exc:  # the handlers being rewritten: `serve` would not start either
        _log(f"handlers do not import ({exc})")
        return [], list(wanted)
    return [c for c in wanted if NAMES.get(c) == c], [c for c in wanted if NAMES.get(c) != c]


def answers(database_url: str, people: int, requests: int, concurrency: int, directory: Path) -> list[str]:
    """`me` and `stats` p99 over HTTP; returns what went over budget (or failed)."""
    from bench.find_latency import memory_mb, percentile, serve_unavailable, server
    from bot.sandbox.slack.fake_slack import FakeSlack
    from bot.sandbox.slack.slack_requests import SlackUser

    commands, missing = available_commands()
    if missing:
        _log(f"{'/'.join(missing)}: not available yet")
    if not commands:
        return []
    if problem := serve_unavailable():
        _log(f"me/stats: cannot run: {problem}")
        return ["serve unavailable"]
    rng = random.Random(5)
    callers = [slack_user_id(i) for i in rng.sample(range(people), min(people, CALLERS))]
    fake = FakeSlack().start()
    over: list[str] = []
    try:
        for user_id in callers:
            fake.directory.add_user(user_id, name=user_id.lower(), team_id=TEAM_ID)
        users = {u: SlackUser(user_id=u, user_name=u.lower(), team_id=TEAM_ID) for u in callers}
        with server(database_url, fake, directory / "serve-progression.log") as (process, port, startup):
            _log(f"serve healthy after {startup:.1f} s (pid {process.pid})")
            # A cold start first, one request per command alone: the process loads what it caches
            # (project roles, the issue catalog, the stats answer). Reported, not in the p99.
            cold = [(c, fake.new_response_url(), users[callers[0]]) for c in commands]
            cold_run = _load(port, fake.signing_secret, cold, 1)
            _log("cold start: " + ", ".join(f"{k} {s * 1000:.0f} ms" for k, s in cold_run.latencies))
            # Warm-up, each caller once per command (users.info is then cached by the user gate); a
            # few callers first, and when they are far over budget the rest are spared (minutes).
            warm = [(c, fake.new_response_url(), users[u]) for u in callers[:PROBE] for c in commands]
            warm_run = _load(port, fake.signing_secret, warm, concurrency)
            medians = {
                c: percentile(sorted(s for k, s in warm_run.latencies if k == c), 50) for c in commands
            }
            slowest = max(commands, key=lambda c: 0.0 if math.isnan(medians[c]) else medians[c])
            if medians[slowest] * 1000 > SLOW * P99_BUDGET_MS:
                callers, requests = callers[:PROBE], min(requests, SLOW_REQUESTS)
                _log(f"warm-up median of {slowest} {medians[slowest] * 1000:.0f} ms, over {SLOW}x the "
                     f"budget: {requests} requests per subcommand by {PROBE} callers")  # fmt: skip
            else:
                rest = [(c, fake.new_response_url(), users[u]) for u in callers[PROBE:] for c in commands]
                rest_run = _load(port, fake.signing_secret, rest, concurrency)
                warm += rest
                warm_run.failures += rest_run.failures
            work = [
                (c, fake.new_response_url(), users[rng.choice(callers)])
                for c in commands
                for _ in range(requests)
            ]
            rng.shuffle(work)
            run = _load(port, fake.signing_secret, work, concurrency)
            rss, peak = memory_mb(process.pid)
            via_url = sum(len(fake.responses(url)) for _, url, _ in [*warm, *work])
    finally:
        fake.stop()
    failures = len(run.failures) + len(warm_run.failures)
    for command in commands:
        ordered = sorted(s * 1000 for c, s in run.latencies if c == command)
        p50, p90, p99, top = (percentile(ordered, q) for q in (50, 90, 99, 100))
        ok = bool(ordered) and p99 <= P99_BUDGET_MS
        verdict = "OK" if ok else "OVER BUDGET"
        _log(f"{command:5} p50 {p50:.1f} ms  p90 {p90:.1f} ms  p99 {p99:.1f} ms  max {top:.1f} ms "
             f"({len(ordered)} requests; budget p99 <= {P99_BUDGET_MS:.0f} ms -> {verdict})")  # fmt: skip
        if not ok:
            over.append(f"{command} p99")
    _log(f"serve: {len(run.latencies) / run.seconds:,.0f} req/s at concurrency {concurrency}, "
         f"RSS {rss:.0f} MB, peak {peak:.0f} MB; failures {failures}"
         + (f"; {via_url} answers went to response_url (past the deadline)" if via_url else ""))  # fmt: skip
    for failure in [*warm_run.failures, *run.failures][:5]:
        _log(f"failed: {failure}")
    if failures:
        over.append("failed requests")
    return over


# -- main -------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="postgresql+psycopg://… (default: a temporary SQLite file)")
    parser.add_argument("--projects", type=int, default=50_000)
    parser.add_argument("--contributions", type=int, default=CONTRIBUTIONS)
    parser.add_argument("--accounts", type=int, help="forge accounts (default: contributions / 20)")
    parser.add_argument("--people", type=int, default=PEOPLE)
    parser.add_argument("--requests", type=int, default=1_000, help="per subcommand, after a warm-up")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--no-http", action="store_true", help="recompute only: skip `me` and `stats`")
    parser.add_argument("--profile", type=Path, help="cProfile the first full recompute into this file")
    parser.add_argument("--setup-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    accounts = args.accounts or max(args.contributions // 20, 10)
    people = min(args.people, accounts)
    if args.setup_only:
        setup(args.database_url, args.projects, args.contributions, accounts, people, args.seed)
        return 0
    with tempfile.TemporaryDirectory() as directory:
        url, cleanup = _database(args.database_url, Path(directory))
        try:
            started = time.perf_counter()
            command = [
                sys.executable,
                __file__,
                "--setup-only",
                "--database-url",
                url,
                "--seed",
                str(args.seed),
            ]
            sizes = ["--projects", str(args.projects), "--contributions", str(args.contributions)]
            sizes += ["--accounts", str(accounts), "--people", str(people)]
            subprocess.run([*command, *sizes], check=True)
            _log(f"setup {time.perf_counter() - started:.0f} s in all ({accounts:,} accounts)")
            figures = recompute(url, args.seed, args.profile)
            over = list(figures.over)
            if not args.no_http:
                over += answers(url, people, args.requests, args.concurrency, Path(directory))
        finally:
            cleanup()
    _log("OVER BUDGET: " + ", ".join(over) if over else "within budget")
    return 1 if over else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
