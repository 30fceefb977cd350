"""`/metrics` for the outbox: rows by status and kind, read at scrape time with one GROUP BY.

A gauge read from the database, not a counter kept in memory, so every replica and worker reports
the same truth, and a failed row stays visible (`status="failed"`) until someone looks at it.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.operations import OutboxEntry


class OutboxCollector(Collector):
    """`innersource_outbox_rows{status, kind}`; a scrape that cannot reach the database reports nothing."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield _family()  # registering then needs no database round trip

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = _family()
        query = select(OutboxEntry.status, OutboxEntry.kind, func.count()).group_by(
            OutboxEntry.status, OutboxEntry.kind
        )
        try:
            with self._sessions() as session:
                rows = session.execute(query).all()
        except Exception:  # /metrics must answer even while the database is away (healthz says so)
            return
        for status, kind, count in rows:
            family.add_metric([str(status), str(kind)], float(count))
        yield family


def _family() -> GaugeMetricFamily:
    return GaugeMetricFamily(
        "innersource_outbox_rows", "Outbox rows by delivery status and kind", labels=["status", "kind"]
    )
