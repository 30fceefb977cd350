"""Outside contributions waiting for a first response: who counts (not maintainers, not bots, not
`bot_logins`, not answered, not closed, listed projects only), and the grouped summary `stats` reads
agrees with the list the digests and App Home read."""

from __future__ import annotations

from datetime import timedelta

from bot.app import Core
from bot.db.engine import session_scope
from bot.services.waiting import waiting_changes, waiting_summary
from tests.conftest import NOW
from tests.services.digest_support import project, waiting_change


def test_only_outside_unanswered_open_changes_on_listed_projects_wait(core: Core) -> None:
    day = timedelta(days=1)
    with session_scope(core.sessions) as session:
        kafka = project(session, "acme/kafka", ("@Maya",))
        web = project(session, "acme/web", ())
        hidden = project(session, "acme/hidden", ())
        hidden.listed = False
        oldest = waiting_change(session, kafka, "Oscar", NOW - 9 * day)
        waiting_change(session, kafka, "oscar", NOW - 2 * day)  # the same person again
        waiting_change(session, kafka, "maya", NOW - 20 * day)  # a maintainer's own
        waiting_change(session, kafka, "release-robot", NOW - 20 * day)  # a bot by bot_logins
        waiting_change(session, kafka, "dependabot[bot]", NOW - 20 * day).author_is_bot = True
        waiting_change(session, kafka, "answered", NOW - 20 * day).first_response_at = NOW - 19 * day
        waiting_change(session, kafka, "closed", NOW - 20 * day).state = "closed"
        waiting_change(session, web, "jasmine", NOW - 1 * day)
        waiting_change(session, hidden, "ghost", NOW - 30 * day)
    bots = frozenset({"release-robot"})
    with session_scope(core.sessions) as session:
        changes = waiting_changes(session, NOW, bots)
        summary = waiting_summary(session, bots)
        mine = waiting_changes(session, NOW, bots, [kafka.id])
    assert {pid: [c.author for c in found] for pid, found in changes.items()} == {
        kafka.id: ["Oscar", "oscar"],
        web.id: ["jasmine"],
    }
    assert changes[kafka.id][0].number == oldest.number and changes[kafka.id][0].age == 9 * day
    assert set(mine) == {kafka.id}
    assert {pid: (s.oldest, s.waiting) for pid, s in summary.items()} == {
        pid: (found[0].created_at, len(found)) for pid, found in changes.items()
    }
