"""The InnerSource Commons *Repository Activity Score*, exactly as its JavaScript version computes it.

Kept in parts so a user can be shown why a project scores what it does. Verified against
../shared/data/activity-score-vectors.json (tests/catalog/test_score.py runs every vector).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

LABELS: tuple[tuple[int, str], ...] = (
    (2500, "Extremely high"),
    (1000, "Very high"),
    (300, "High"),
    (150, "Moderate"),
    (50, "Low"),
    (5, "Very low"),
)


@dataclass(frozen=True)
class ScoreInputs:
    forks: int
    stars: int
    subscribers: int  # GitHub subscribers_count, not watchers_count (that equals stars)
    open_issues: int
    created_at: datetime
    updated_at: datetime
    participation: Sequence[int] | None  # weekly commits, oldest first; None/empty: not known
    description: str
    motivation: str  # innersource.json motivation, "" when absent
    guidelines: str | None  # path of the contributing guide


@dataclass(frozen=True)
class ActivityScore:
    score: int
    label: str
    popularity: float  # 50 + forks*5 + subscribers + stars/3 + open issues/5
    recency_factor: float  # x1..x2: updated today -> 2, 100+ days ago -> 1
    commit_factor: float  # x1..x2: 13-week average of 3 commits/week or fewer -> 1, 10+ -> 2
    new_repo_boost: float  # up to +1000 for young, recently updated repositories
    description_bonus: int  # +50 for a description or motivation over 30 characters
    guidelines_bonus: int  # +100 for a contributing guide
    capped: bool  # above 3000 the score grows logarithmically

    def parts(self) -> dict[str, float | int | bool | str]:
        return {
            "score": self.score,
            "label": self.label,
            "popularity": round(self.popularity, 2),
            "recency_factor": round(self.recency_factor, 3),
            "commit_factor": round(self.commit_factor, 3),
            "new_repo_boost": round(self.new_repo_boost, 2),
            "description_bonus": self.description_bonus,
            "guidelines_bonus": self.guidelines_bonus,
            "capped": self.capped,
        }


def activity_label(score: int) -> str:
    for floor, label in LABELS:
        if score > floor:
            return label
    return "None"


def _days_between(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 86400


def _js_round(value: float) -> int:
    """JavaScript Math.round: halves go up (Python's round() goes to even)."""
    return math.floor(value + 0.5)


def activity_score(inputs: ScoreInputs, now: datetime) -> ActivityScore:
    popularity = 50 + inputs.forks * 5 + inputs.subscribers + inputs.stars / 3 + inputs.open_issues / 5
    days_since_update = _days_between(now, inputs.updated_at)
    recency_factor = 1 + (100 - min(days_since_update, 100)) / 100
    score = popularity * recency_factor

    commit_factor = 1.0
    if inputs.participation:
        average = sum(inputs.participation[-13:]) / 13
        commit_factor = 1 + min(max(average - 3, 0), 7) / 7
    score *= commit_factor

    days_since_creation = _days_between(now, inputs.created_at)
    boost = (1000 - min(days_since_update, 365) * 2.74) * (365 - min(days_since_creation, 365)) / 365
    score += boost

    description_bonus = 50 if len(inputs.description) > 30 or len(inputs.motivation) > 30 else 0
    guidelines_bonus = 100 if inputs.guidelines else 0
    score += description_bonus + guidelines_bonus

    capped = score > 3000
    if capped:
        score = 3000 + math.log(score) * 100
    final = _js_round(score - 50)
    return ActivityScore(
        score=final,
        label=activity_label(final),
        popularity=popularity,
        recency_factor=recency_factor,
        commit_factor=commit_factor,
        new_repo_boost=boost,
        description_bonus=description_bonus,
        guidelines_bonus=guidelines_bonus,
        capped=capped,
    )
