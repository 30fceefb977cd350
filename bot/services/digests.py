"""Weekly maintainer digests: one DM per maintainer linked to Slack, on `digest_weekday` from
`digest_hour` in their own time zone, covering every project they maintain.

- Who maintains what is nominations' rule (`reachable`): a forge account tied to the person by
  e-mail, listed among the project's maintainers, the person not refused by Slack. People who turned
  the digest off (`maintainer-digest off`, or `digest off`) get none; nor does anyone with nothing
  to report (bot/services/digests_content.py says what counts).
- The job runs hourly. A maintainer is due from their local digest hour to the end of that day, so a
  worker that was down at the hour still sends it when back; the key makes it once a week:
  `mdigest:<person>:<ISO week in their zone>`, the second and later messages `…:<n>`. The first key is
  written first and the others only when it was new, in one transaction: a retry, or two workers
  running at once, write the week's digest once (the outbox's unique key decides).
- A long digest is split into parts (digests_content.py `split`); each trusted-committer nomination
  awaiting the maintainer follows as its own message with *Approve*/*Decline*, so deciding replaces
  that card and never the digest above it.
- Rows keep what the digest said (a snapshot of the week); nominations are re-read when each message
  is composed (`digest_delivery`), so a nomination decided meanwhile is not offered as pending.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import WEEKDAYS, LevelSettings, Settings
from bot.db.engine import session_scope
from bot.db.models import Project
from bot.db.operations import OutboxEntry
from bot.db.people import Identity, Person
from bot.db.progression import NOMINATION_PENDING
from bot.forges.base import login_keys
from bot.services.digests_content import (
    DigestPart,
    ProjectDigest,
    ProjectRow,
    decode,
    encode,
    for_maintainer,
    split,
)
from bot.services.digests_sections import live_nominations, project_digests
from bot.services.nominations import nomination_card, reachable
from bot.services.outbox import enqueue, existing_keys
from bot.services.progression_views import NominationCard

KIND = "maintainer_digest"
KEY_PREFIX = "mdigest"
MAX_CARDS = 10  # nomination cards after a digest; more wait for next week (their own cards went out)
_CHUNK = 500


@dataclass(frozen=True)
class Due:
    person_id: int
    slack_user_id: str
    week: str  # "2026-W45", in their zone


@dataclass(frozen=True)
class DigestReport:
    due: int = 0  # maintainers whose digest time has come and who have none this week yet
    queued: int = 0  # digests written
    messages: int = 0  # outbox rows those digests took
    quiet: int = 0  # due, but nothing to report (or nothing they maintain)
    raced: int = 0  # another run wrote it first

    def summary(self) -> str:
        return (
            f"maintainer digests: {self.queued} queued ({self.messages} messages), "
            f"{self.quiet} with nothing to report, {self.raced} already written by another run"
        )


def digest_key(person_id: int, week: str, part: int = 1) -> str:
    base = f"{KEY_PREFIX}:{person_id}:{week}"
    return base if part == 1 else f"{base}:{part}"


def iso_week(local: datetime) -> str:
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def local_zone(name: str | None, fallback: str) -> ZoneInfo:
    """The person's IANA zone (from users.info); the configured `timezone` when unknown or invalid."""
    try:
        return ZoneInfo(name) if name else ZoneInfo(fallback)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(fallback)


def is_due(local: datetime, settings: Settings) -> bool:
    return WEEKDAYS[local.weekday()] == settings.digest_weekday and local.hour >= settings.digest_hour


class MaintainerDigests:
    def __init__(self, sessions: sessionmaker[Session], now: Callable[[], datetime], settings: Settings):
        self._sessions, self._now, self._settings = sessions, now, settings

    def run(self) -> DigestReport:
        """Write the digests due now; one transaction."""
        with session_scope(self._sessions) as session:
            return self._run(session, self._now())

    def _run(self, session: Session, now: datetime) -> DigestReport:
        due = due_maintainers(session, now, self._settings)
        if not due:
            return DigestReport()
        maintained = maintained_projects(session, due)
        rows = {row.id: row for rows in maintained.values() for row in rows}
        settings = self._settings
        digests = project_digests(
            session, rows, now, metrics_days=settings.metrics_window_days,
            stale_days=settings.stale_gfi_days, bot_logins=login_keys(settings.bot_logins),
        )  # fmt: skip
        queued = messages = quiet = raced = 0
        for person in due:
            mine = [for_maintainer(digests[row.id], person.person_id) for row in maintained[person.person_id]]
            if not any(digest.has_news for digest in mine):
                quiet += 1
                continue
            news = [digest for digest in mine if digest.shown]
            written = self._write(session, person, news, [d.full_name for d in mine if not d.shown], now)
            if written:
                queued, messages = queued + 1, messages + written
            else:
                raced += 1
        return DigestReport(len(due), queued, messages, quiet, raced)

    def _write(
        self, session: Session, person: Due, news: list[ProjectDigest], quiet: list[str], now: datetime
    ) -> int:
        """The digest's rows, the first one first; 0 when another run already wrote it."""
        chunks = split(news)
        cards = [n.nomination_id for d in news for n in d.nominations][:MAX_CARDS]
        payloads: list[dict[str, object]] = [
            {
                "digest": encode(
                    DigestPart(
                        week=person.week, part=number, parts=len(chunks), projects=chunk,
                        quiet=tuple(quiet) if number == len(chunks) else (),
                        stale_days=self._settings.stale_gfi_days,
                        metrics_days=self._settings.metrics_window_days, cards=len(cards),
                    )
                )
            }
            for number, chunk in enumerate(chunks, start=1)
        ]  # fmt: skip
        window = self._settings.levels.window_days
        payloads += [{"nomination_id": nid, "window_days": window} for nid in cards]
        for number, payload in enumerate(payloads, start=1):
            created = enqueue(
                session, key=digest_key(person.person_id, person.week, number), kind=KIND,
                recipient=person.slack_user_id, payload=payload, now=now, person_id=person.person_id,
            )  # fmt: skip
            if number == 1 and not created:
                return 0
        return len(payloads)


def due_maintainers(session: Session, now: datetime, settings: Settings) -> list[Due]:
    """People with a verified forge account, the digest on, not refused, at their digest time, with no
    digest this week yet; by person id (two runs write in the same order)."""
    verified = exists().where(Identity.person_id == Person.id, Identity.verified.is_(True))
    rows = session.execute(
        select(Person.id, Person.slack_user_id, Person.tz)
        .where(Person.maintainer_digest.is_(True), Person.slack_refusal.is_(None), verified)
        .order_by(Person.id)
    )
    due: list[Due] = []
    for person_id, slack_user_id, tz in rows:
        local = now.astimezone(local_zone(tz, settings.timezone))
        if is_due(local, settings):
            due.append(Due(person_id, slack_user_id, iso_week(local)))
    keys = [digest_key(d.person_id, d.week) for d in due]
    sent: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        sent |= existing_keys(session, keys[start : start + _CHUNK])
    return [d for d, key in zip(due, keys, strict=True) if key not in sent]


def maintained_projects(session: Session, due: list[Due]) -> dict[int, list[ProjectRow]]:
    """Person → the listed projects they may act for as a maintainer (nominations' `reachable`), by name."""
    people = {d.person_id for d in due}
    logins: set[str] = set()
    ids = sorted(people)
    for start in range(0, len(ids), _CHUNK):
        logins.update(
            session.scalars(
                select(Identity.login_key).where(
                    Identity.person_id.in_(ids[start : start + _CHUNK]), Identity.verified.is_(True)
                )
            )
        )
    accounts = {
        account: sorted({pid for pid, _ in found if pid in people})
        for account, found in reachable(session, logins).items()
    }
    maintained: dict[int, list[ProjectRow]] = {pid: [] for pid in people}
    if not any(accounts.values()):
        return maintained
    listed = session.execute(
        select(Project.id, Project.forge, Project.host, Project.maintainers).where(Project.listed.is_(True))
    )
    mine: dict[int, set[int]] = {}
    for project_id, forge, host, names in listed:
        for key in login_keys(names):
            for person_id in accounts.get((forge, host, key), ()):
                mine.setdefault(project_id, set()).add(person_id)
    projects = sorted(mine)
    columns = (Project.id, Project.forge, Project.host, Project.full_name, Project.web_url,
               Project.maintainers, Project.readiness)  # fmt: skip
    for start in range(0, len(projects), _CHUNK):
        chunk = session.execute(select(*columns).where(Project.id.in_(projects[start : start + _CHUNK])))
        for project_id, forge, host, full_name, web_url, names, readiness in chunk:
            row = ProjectRow(
                project_id, forge, host, full_name, web_url, login_keys(names), dict(readiness or {})
            )
            for person_id in mine[project_id]:
                maintained[person_id].append(row)
    for rows in maintained.values():
        rows.sort(key=lambda row: (row.full_name.casefold(), row.id))
    return maintained


# -- at send time (the composer in bot/slack/maintainer_digest_blocks.py) ------------------------------
def digest_delivery(session: Session, entry: OutboxEntry) -> DigestPart | NominationCard | str:
    """What a digest row shows now: an overview part (nominations re-read), a nomination card, or
    why it is no longer wanted."""
    person = session.get(Person, entry.person_id) if entry.person_id is not None else None
    if person is None:
        return "person gone"
    if not person.maintainer_digest:
        return "maintainer digest off"
    payload = entry.payload or {}
    if "nomination_id" in payload:
        window = int(payload.get("window_days") or 0) or LevelSettings().window_days
        card = nomination_card(session, int(payload["nomination_id"]), window)
        if card is None:
            return "nomination gone"
        if card.status != NOMINATION_PENDING:
            return f"nomination already {card.status}"
        return card
    try:
        part = decode(payload.get("digest"))
    except ValueError:
        return "maintainer digest: bad payload"
    return live_nominations(session, part)
