"""The issue search query language of the fake GitHub (`GET /search/issues?q=...`).

Small but real: the qualifiers the bot and its tests use (`org:`, `user:`, `repo:`, `is:`, `type:`,
`state:`, `label:`, `updated:`, `created:` with `>`, `>=`, `<`, `<=` and `A..B` ranges) plus free
words matched against title and body. A malformed date or qualifier value is a 422, as on GitHub.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import partial

from bot.sandbox.forge.world import FakeIssue, FakePull, FakeRepo

_TOKEN = re.compile(r'-?[\w.-]+:"[^"]*"|-?[\w.-]+:\S+|"[^"]*"|\S+')
_KNOWN = {"org", "user", "repo", "is", "type", "state", "label", "updated", "created", "in"}

Item = FakeIssue | FakePull
_OPERATORS = ((">=", operator.ge), ("<=", operator.le), (">", operator.gt), ("<", operator.lt))


class QueryError(ValueError):
    """The query cannot be parsed; GitHub answers 422 Validation Failed."""


@dataclass
class IssueQuery:
    owners: set[str] = field(default_factory=set)  # lower-cased org/user logins
    repos: set[str] = field(default_factory=set)  # lower-cased full names
    kinds: set[str] = field(default_factory=set)  # {"issue"}, {"pr"} or empty for both
    state: str | None = None
    label_groups: list[set[str]] = field(default_factory=list)  # AND of ORs, lower-cased
    excluded_labels: set[str] = field(default_factory=set)
    time_filters: list[tuple[str, Callable[[datetime], bool]]] = field(default_factory=list)
    words: list[str] = field(default_factory=list)

    def matches(self, repo: FakeRepo, item: Item) -> bool:
        if self.owners and repo.namespace.lower() not in self.owners:
            return False
        if self.repos and repo.full_name.lower() not in self.repos:
            return False
        is_pull = isinstance(item, FakePull)
        if self.kinds and ("pr" if is_pull else "issue") not in self.kinds:
            return False
        state = "open" if item.state == "open" else "closed"
        if self.state and state != self.state:
            return False
        labels = {name.lower() for name in item.labels}
        if any(not (group & labels) for group in self.label_groups) or labels & self.excluded_labels:
            return False
        for attribute, test in self.time_filters:
            if not test(getattr(item, attribute)):
                return False
        text = f"{item.title} {getattr(item, 'body', '')}".lower()
        return all(word in text for word in self.words)


def _moment(text: str, *, end_of_day: bool = False) -> datetime:
    """A date or date-time as GitHub search accepts them; a bare date spans its whole day."""
    try:
        if "T" not in text:
            day = date.fromisoformat(text)
            return datetime.combine(day, time.max if end_of_day else time.min, tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise QueryError(f"invalid date {text!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _compare(compare: Callable[[datetime, datetime], bool], bound: datetime, at: datetime) -> bool:
    return compare(at, bound)


def _time_test(expression: str) -> Callable[[datetime], bool]:
    if ".." in expression:
        low, _, high = expression.partition("..")
        start = None if low in ("", "*") else _moment(low)
        end = None if high in ("", "*") else _moment(high, end_of_day=True)
        return lambda at: (start is None or at >= start) and (end is None or at <= end)
    for symbol, compare in _OPERATORS:
        if expression.startswith(symbol):
            bound = _moment(expression[len(symbol) :], end_of_day=symbol in ("<=", ">"))
            return partial(_compare, compare, bound)
    start, end = _moment(expression), _moment(expression, end_of_day=True)
    return lambda at: start <= at <= end


def parse(q: str) -> IssueQuery:
    query = IssueQuery()
    for token in _TOKEN.findall(q):
        negated = token.startswith("-") and ":" in token
        key, sep, value = token.lstrip("-").partition(":")
        if not sep or key.lower() not in _KNOWN:
            query.words.append(token.strip('"').lower())  # GitHub searches unknown words as text
            continue
        key, value = key.lower(), value.strip('"')
        lower = value.lower()
        if key in ("org", "user"):
            query.owners.add(lower)
        elif key == "repo":
            query.repos.add(lower)
        elif key in ("is", "type") and lower in ("issue", "pr", "pull-request"):
            query.kinds.add("issue" if lower == "issue" else "pr")
        elif key in ("is", "state") and lower in ("open", "closed"):
            query.state = lower
        elif key == "label":
            names = {name.strip().lower() for name in value.split(",")}
            if negated:
                query.excluded_labels |= names
            else:
                query.label_groups.append(names)
        elif key in ("updated", "created"):
            query.time_filters.append((f"{key}_at", _time_test(value)))
        elif key != "in":
            raise QueryError(f"invalid value {value!r} for {key!r}")
    return query


def sort_key(sort: str) -> Callable[[Item], datetime]:
    if sort == "updated":
        return lambda item: item.updated_at
    return lambda item: item.created_at
