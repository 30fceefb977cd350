"""bench/progression.py at toy sizes: the ledger it writes is the one it describes, and its parts run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.progression import (
    BOT_LOGINS,
    NEW_CONTRIBUTIONS,
    TEAM_ID,
    answers,
    available_commands,
    recompute,
    setup,
    slack_user_id,
)
from bot.db.engine import make_engine
from bot.db.models import Contribution
from bot.db.people import Identity, Person
from bot.db.progression import ContributorLevel

CONTRIBUTIONS, ACCOUNTS, PEOPLE = 4_000, 200, 40


def test_setup_writes_the_ledger_and_people_it_describes(database_url: str) -> None:
    setup(database_url, projects=80, contributions=CONTRIBUTIONS, accounts=ACCOUNTS, people=PEOPLE, seed=3)

    engine = make_engine(database_url)
    with engine.connect() as connection:
        ledger = select(
            Contribution.kind, Contribution.author, Contribution.author_is_bot, Contribution.occurred_at
        )
        rows = connection.execute(ledger).all()
        people = connection.execute(select(Person.slack_user_id, Person.team_id)).all()
        identities = connection.execute(select(Identity.login, Identity.login_key, Identity.verified)).all()
    engine.dispose()

    assert len(rows) == CONTRIBUTIONS
    merged = sum(1 for kind, *_ in rows if kind == "merged_change") / len(rows)
    assert 0.55 < merged < 0.7 and {kind for kind, *_ in rows} == {"merged_change", "review"}
    window = datetime.now(UTC) - timedelta(days=180)
    recent = sum(1 for *_, at in rows if at.replace(tzinfo=at.tzinfo or UTC) >= window) / len(rows)
    assert 0.2 < recent < 0.3  # two years of history, a quarter of it in the 180-day window
    assert any(bot for _, _, bot, _ in rows) and any(author in BOT_LOGINS for _, author, _, _ in rows)
    authors = {author.casefold() for _, author, bot, _ in rows if not bot}
    assert len(authors) > ACCOUNTS // 2 and any(a != a.lower() for _, a, _, _ in rows)  # capitals too
    assert sorted(people) == sorted((slack_user_id(i), TEAM_ID) for i in range(PEOPLE))
    assert len(identities) >= PEOPLE and all(verified for *_, verified in identities)
    assert all(login.casefold() == key for login, key, _ in identities)
    assert len({key for _, key, _ in identities} & authors) > PEOPLE // 2  # people are in the ledger


def test_recompute_measures_full_and_incremental_runs(database_url: str) -> None:
    setup(database_url, projects=60, contributions=CONTRIBUTIONS, accounts=ACCOUNTS, people=PEOPLE, seed=4)

    figures = recompute(database_url, seed=4, profile=None)

    assert len(figures.full_seconds) == 2 and figures.incremental_seconds > 0 and figures.peak_mb > 0
    assert figures.over == []  # toy sizes are far within every budget
    engine = make_engine(database_url)
    with engine.connect() as connection:
        ledger = connection.scalar(select(func.count()).select_from(Contribution))
        levels = connection.scalar(select(func.count()).select_from(ContributorLevel))
        linked = connection.scalar(
            select(func.count()).select_from(ContributorLevel).where(ContributorLevel.person_id.is_not(None))
        )
    engine.dispose()
    assert ledger == CONTRIBUTIONS + NEW_CONTRIBUTIONS
    assert levels and linked  # accounts and people both got levels


def test_me_and_stats_are_answered_over_http(tmp_path: Path) -> None:
    from bench.find_latency import serve_unavailable

    if problem := serve_unavailable():
        pytest.skip(problem)
    commands, _ = available_commands()
    if not commands:
        pytest.skip("neither `me` nor `stats` is in the subcommand table yet")
    url = f"sqlite:///{tmp_path / 'progression.db'}"
    setup(url, projects=40, contributions=1_000, accounts=60, people=10, seed=5)

    over = answers(url, people=10, requests=10, concurrency=2, directory=tmp_path)

    assert "failed requests" not in over and "serve unavailable" not in over
