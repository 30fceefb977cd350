"""Which repositories the catalog lists (SPEC "What is indexed": visibility, opt-in topic, no
archived repositories, no forks)."""

from __future__ import annotations

from bot.forges.base import RepoSummary


def unlisted_reason(summary: RepoSummary, private_topic: str) -> str | None:
    """None when the repository belongs in the catalog, else a short reason kept on the row."""
    if summary.archived:
        return "archived"
    if summary.fork:
        return "fork"
    if summary.visibility in ("public", "internal"):
        return None
    # Private repositories opt in with a topic; on GitHub `internal` also says private: true, which
    # is why adapters map `visibility`, never `private`.
    topics = {t.lower() for t in summary.topics}
    return None if private_topic.lower() in topics else "private"
