"""`me`'s per-project rows and "what the next level needs", from a person's tallies. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.config import LevelSettings
from bot.db.progression import CANDIDATE, CONTRIBUTOR, LEVELS, NEWCOMER, REGULAR, TRUSTED
from bot.services.progression_ledger import Account, ProjectRoles, Tally
from bot.services.progression_levels import Standing, rank
from bot.services.progression_views import Need, ProjectProgress

MAINTAINER, NONE = "maintainer", "none"


def progress_rows(
    accounts: Sequence[Account],
    work: Mapping[Account, Mapping[int, Tally]],
    roles: ProjectRoles,
    standing: Standing,
) -> tuple[ProjectProgress, ...]:
    """One row per project they worked on or maintain, most merged in the window first."""
    candidates = {c.project_id for c in standing.candidacies}
    rows: dict[int, ProjectProgress] = {}
    for account in accounts:
        maintained = roles.maintains.get(account, set())
        for project_id in sorted(maintained | set(work.get(account, {}))):
            role = roles.projects.get(project_id)
            if role is None or project_id in rows:
                continue
            tally = work.get(account, {}).get(project_id, Tally())
            if project_id in maintained:
                what = MAINTAINER
            elif project_id in standing.trusted_on:
                what = TRUSTED
            elif project_id in candidates:
                what = CANDIDATE
            elif tally.merged_all:
                what = CONTRIBUTOR
            else:
                what = "reviewer" if tally.reviews_all else NONE
            rows[project_id] = ProjectProgress(
                project_id, role.full_name, role.web_url, role.forge, what,
                tally.merged_window, tally.merged_all, tally.reviews_window, tally.reviews_all,
            )  # fmt: skip
    return tuple(sorted(rows.values(), key=lambda r: (-r.merged_window, -r.merged_all, r.full_name)))


def needs_for(
    standing: Standing,
    projects: Sequence[ProjectProgress],
    levels: LevelSettings,
    accounts: Sequence[Account],
) -> tuple[str | None, tuple[Need, ...]]:
    """The next level and what it takes, in counts the renderer turns into words."""
    if standing.level == TRUSTED:
        return None, ()
    following = LEVELS[rank(standing.level) + 1]
    forge = accounts[0][0] if accounts else "github"
    if standing.level == NEWCOMER:
        return following, (
            Need(max(1, levels.contributor_merged - standing.merged_outside), "merged", None, forge),
        )
    if standing.level == CONTRIBUTOR:
        return following, (
            Need(max(1, levels.regular_merged - standing.merged_window), "merged", None, forge),
        )
    if standing.level == REGULAR:
        outside = [p for p in projects if p.role not in ("maintainer", TRUSTED)]
        if not outside:
            return following, (
                Need(levels.candidate_merged, "merged", None, forge),
                Need(levels.candidate_reviews, "reviews", None, forge),
            )
        # The project closest to candidacy: fewest merged changes and reviews still missing.
        best = min(
            outside,
            key=lambda p: (
                max(0, levels.candidate_merged - p.merged_window)
                + max(0, levels.candidate_reviews - p.reviews_window),
                p.full_name,
            ),
        )
        needs = []
        if best.merged_window < levels.candidate_merged:
            needs.append(
                Need(levels.candidate_merged - best.merged_window, "merged", best.full_name, best.forge)
            )
        if best.reviews_window < levels.candidate_reviews:
            needs.append(
                Need(levels.candidate_reviews - best.reviews_window, "reviews", best.full_name, best.forge)
            )
        return following, tuple(needs)
    # A candidate: a maintainer of the project approves the nomination.
    candidacy = next((p for p in projects if p.role == CANDIDATE), None)
    return following, (Need(0, "approval", candidacy.full_name if candidacy else None, forge),)
