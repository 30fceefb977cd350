"""The deliver job: send what the outbox has due now, pass after pass, until nothing is due."""

from __future__ import annotations

from bot.app import Core, build_deliverer
from bot.slack.outbox import DeliveryReport
from bot.worker import default_worker_id

MAX_PASSES = 1000  # a bound, so a job run always ends (100 rows a pass)


def run(core: Core) -> str:
    deliverer = build_deliverer(core, f"job:{default_worker_id()}")
    total = DeliveryReport()
    for _ in range(MAX_PASSES):
        report = deliverer.deliver_due()
        total += report
        if report.claimed == 0:
            break
    return f"deliver: {total.summary()}"
