"""In-memory matching for a routing pass: which candidate issues each person gets, best first.

Candidates are ranked once (position 0 is the best). A term index maps each subscription term to the
ascending positions of the candidates carrying it; a person's matches are the union of their terms'
lists. A person takes only a few issues a pass, so instead of merging whole lists it takes the first
`depth` of each (the smallest positions of the union below the first position left out are then
exactly the union's), and looks deeper only when exclusions leave it short.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.services.routing_issues import Candidate

Term = tuple[str, str]  # (kind, value): ("topic", key), ("lang", key), ("project", "<id>")
TermIndex = dict[Term, list[int]]


@dataclass
class Reader:
    """One person's matching state during a pass."""

    person_id: int
    slack_user_id: str
    cadence: str
    tz: str
    terms: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, value, shown label)
    projects: dict[str, str] = field(default_factory=dict)  # project id (text) → label, when subscribed


@dataclass(frozen=True)
class Pick:
    position: int  # in the ranked candidates
    why: str  # "topic:kafka", "project:acme/x": the subscription it came through
    explicit: bool  # via a subscription to the issue's project


def term_index(candidates: Sequence[Candidate]) -> TermIndex:
    """(kind, value) → positions in `candidates` (already best first), ascending."""
    index: TermIndex = defaultdict(list)
    for position, candidate in enumerate(candidates):
        for term in candidate.terms:
            index[term].append(position)
    return dict(index)


def best_for(
    reader: Reader,
    index: TermIndex,
    candidates: Sequence[Candidate],
    room: int,
    skip: Callable[[Candidate, bool], bool],
) -> list[Pick]:
    """Up to `room` picks, best first, each issue once, leaving out those `skip(candidate, explicit)`
    rejects. Why an issue was picked: the person's project subscription when they have one for its
    project, otherwise their first subscription (in the order given) that it matches."""
    lists = [index[(kind, value)] for kind, value, _ in reader.terms]
    depth = room
    while True:
        union: set[int] = set()
        for positions in lists:
            union.update(positions[:depth])
        # Positions below `limit` are all in `union`; past it, some may be missing from it.
        limit = min((positions[depth] for positions in lists if len(positions) > depth), default=None)
        picks: list[Pick] = []
        for position in sorted(union):
            if limit is not None and position >= limit:
                break
            candidate = candidates[position]
            project = str(candidate.project_id)
            explicit = project in reader.projects
            if skip(candidate, explicit):
                continue
            picks.append(Pick(position, _why(reader, candidate, project, explicit), explicit))
            if len(picks) >= room:
                return picks
        if limit is None:  # every list was taken whole: nothing more to find
            return picks
        depth *= 4


def _why(reader: Reader, candidate: Candidate, project: str, explicit: bool) -> str:
    if explicit:
        return f"project:{reader.projects[project]}"
    terms = candidate.term_set
    return next(f"{kind}:{label}" for kind, value, label in reader.terms if (kind, value) in terms)
