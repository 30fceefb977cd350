"""The deliver job: send what the outbox has due now, pass after pass, until nothing is due."""

from __future__ import annotations

import os
import socket
import uuid

from bot.app import Core, build_deliverer
from bot.slack.outbox import DeliveryReport

MAX_PASSES = 1000  # a bound, so a job run always ends (100 rows a pass)


def run(core: Core) -> str:
    worker_id = f"job:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    deliverer = build_deliverer(core, worker_id)
    total = DeliveryReport()
    for _ in range(MAX_PASSES):
        report = deliverer.deliver_due()
        total += report
        if report.claimed == 0:
            break
    return f"deliver: {total.summary()}"
