"""Every vector in ../shared/data/activity-score-vectors.json is a test of the activity score."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.catalog.score import ScoreInputs, activity_label, activity_score

VECTORS_PATH = Path(__file__).resolve().parents[1] / "data" / "activity-score-vectors.json"
VECTORS = json.loads(VECTORS_PATH.read_text())


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _inputs(case: dict[str, Any]) -> ScoreInputs:
    return ScoreInputs(
        forks=case["forks_count"],
        stars=case["stargazers_count"],
        subscribers=case.get("subscribers_count") or 0,
        open_issues=case["open_issues_count"],
        created_at=_when(case["created_at"]),
        updated_at=_when(case["updated_at"]),
        participation=case.get("participation"),
        description=case.get("description") or "",
        motivation=case.get("motivation") or "",
        guidelines=case.get("guidelines"),
    )


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: c["input"]["name"])
def test_vector(case: dict[str, Any]) -> None:
    result = activity_score(_inputs(case["input"]), _when(VECTORS["now"]))
    assert result.score == case["score"]
    assert result.label == case["label"]


def test_there_are_vectors_to_run() -> None:
    assert len(VECTORS["cases"]) >= 8


def test_parts_explain_the_score() -> None:
    case = VECTORS["cases"][0]["input"]
    result = activity_score(_inputs(case), _when(VECTORS["now"]))
    parts = result.parts()
    assert parts["guidelines_bonus"] == 100
    assert parts["description_bonus"] == 50
    assert parts["recency_factor"] == 2.0  # updated "now"
    assert 1 < float(parts["commit_factor"]) < 2  # 5 commits a week


@pytest.mark.parametrize(
    ("score", "label"),
    [
        (2501, "Extremely high"),
        (2500, "Very high"),
        (1001, "Very high"),
        (301, "High"),
        (151, "Moderate"),
        (51, "Low"),
        (6, "Very low"),
        (5, "None"),
        (0, "None"),
        (-3, "None"),
    ],
)
def test_labels_follow_the_portal_thresholds(score: int, label: str) -> None:
    assert activity_label(score) == label
