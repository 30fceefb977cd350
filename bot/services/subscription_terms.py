"""Subscription terms: what `subscribe`/`unsubscribe` words mean.

A term is a topic (`kafka`, `topic:kafka`), a language (`lang:go`, with the aliases `find` knows) or a
project (`project:NAME`, resolved exactly as `/innersource project` resolves it: "did you mean" on a
typo, a choice when ambiguous). Reads only; bot/services/subscriptions.py writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.catalog.search_text import LANGUAGE_ALIASES, language_key, topic_key
from bot.db.models import Project
from bot.db.people import Subscription
from bot.services.discovery import Discovery
from bot.services.results import ProjectCard, ProjectChoice, ProjectSummary

TOPIC, LANG, PROJECT = "topic", "lang", "project"
MAX_TERMS = 20  # per command: more is almost certainly a paste gone wrong
_PREFIX = re.compile(r"^(lang|language|topic|project|forge):(.*)$", re.IGNORECASE)

# Why a term was not taken (the renderer words each one).
EMPTY_VALUE = "empty_value"
UNKNOWN_LANGUAGE = "unknown_language"
UNKNOWN_FILTER = "unknown_filter"
PROJECT_NOT_FOUND = "project_not_found"
PROJECT_AMBIGUOUS = "project_ambiguous"
TOO_MANY = "too_many"


@dataclass(frozen=True)
class Term:
    kind: str  # topic | lang | project
    value: str  # topic_key, language_key, or the project id as text
    label: str  # as shown: "kafka", "Go", "acme/aurora-design-system"


@dataclass(frozen=True)
class Rejected:
    """A term that was not understood, with what to try instead."""

    typed: str
    problem: str  # one of the constants above
    suggestions: tuple[str, ...] = ()  # terms to try instead, e.g. "lang:go"
    projects: tuple[ProjectSummary, ...] = ()  # "did you mean" (one) or the choice (several)


class TermResolver:
    """Words → terms, through the catalog's search index (languages, topics) and `project` lookup."""

    def __init__(self, sessions: sessionmaker[Session], discovery: Discovery) -> None:
        self._sessions = sessions
        self._discovery = discovery

    def resolve(self, word: str) -> Term | Rejected:
        match = _PREFIX.match(word)
        if match is None:
            return self._topic(word, word)
        kind, value = match.group(1).casefold(), match.group(2).strip()
        if not value:
            return Rejected(word, EMPTY_VALUE)
        if kind in ("lang", "language"):
            return self._language(word, value)
        if kind == "topic":
            return self._topic(word, value)
        if kind == "project":
            return self._project(word, value)
        return Rejected(word, UNKNOWN_FILTER, ("topic:…", "lang:…", "project:…"))

    def _topic(self, typed: str, value: str) -> Term | Rejected:
        key = topic_key(value.lstrip("#"))
        if not key:
            return Rejected(typed, EMPTY_VALUE)
        return Term(TOPIC, key[:255], key[:255])

    def topic_hint(self, term: Term) -> tuple[str, tuple[str, ...]] | None:
        """A topic no listed project carries yet is kept (projects come later), with the closest ones."""
        result = self._discovery.find(f"topic:{term.value}")
        if result.total or result.catalog_size == 0:
            return None
        closest = tuple(s for s in result.suggestions if s.startswith("topic:"))
        return term.label, closest

    def _language(self, typed: str, value: str) -> Term | Rejected:
        key = language_key(value)
        result = self._discovery.find(f"lang:{key}")
        for hit in result.hits:
            label = next((lang for lang in hit.project.languages if language_key(lang) == key), None)
            if label is not None:
                return Term(LANG, key[:255], label)
        if result.total:
            return Term(LANG, key[:255], key)
        return Rejected(typed, UNKNOWN_LANGUAGE, tuple(f"lang:{n}" for n in self._closest_languages(key)))

    def _closest_languages(self, key: str, limit: int = 3) -> list[str]:
        with self._sessions() as session:
            names = session.scalars(
                select(Project.primary_language)
                .where(Project.listed.is_(True), Project.primary_language.is_not(None))
                .distinct()
            ).all()
        known = {language_key(n) for n in names if n}
        # A misspelt alias (`golnag`) suggests the language it stands for, so each language comes once.
        choices = {**{alias: key for alias, key in LANGUAGE_ALIASES.items() if key in known},
                   **{name: name for name in known}}  # fmt: skip
        found = process.extract(key, list(choices), scorer=fuzz.WRatio, limit=limit * 3, score_cutoff=60)
        return list(dict.fromkeys(choices[name] for name, _, _ in found))[:limit]

    def _project(self, typed: str, reference: str) -> Term | Rejected:
        answer = self._discovery.project(reference)
        if isinstance(answer, ProjectCard):
            return Term(PROJECT, str(answer.summary.id), answer.summary.full_name)
        if isinstance(answer, ProjectChoice):
            return Rejected(typed, PROJECT_AMBIGUOUS, projects=answer.candidates)
        guess = (answer.suggestion,) if answer.suggestion is not None else ()
        return Rejected(typed, PROJECT_NOT_FOUND, projects=guess)

    def project_term(self, project_id: int) -> Term | None:
        with self._sessions() as session:
            row = session.get(Project, project_id)
            if row is None or not row.listed:
                return None
            return Term(PROJECT, str(row.id), row.full_name)


def split_terms(text: str) -> tuple[list[str], list[Rejected]]:
    """The distinct words of a command, at most MAX_TERMS; the rest reported as one rejection."""
    words = list(dict.fromkeys(text.split()))
    extra = [Rejected(" ".join(words[MAX_TERMS:])[:80], TOO_MANY)] if len(words) > MAX_TERMS else []
    return words[:MAX_TERMS], extra


def own_term(mine: Iterable[Subscription], word: str) -> Term | None:
    """`unsubscribe` by what the person sees in their list, even for a project no longer listed."""
    match = _PREFIX.match(word)
    kind, value = (match.group(1).casefold(), match.group(2).strip()) if match else (TOPIC, word)
    kind = LANG if kind == "language" else kind
    wanted = {
        TOPIC: topic_key(value),
        LANG: language_key(value),
        PROJECT: value.casefold(),
    }.get(kind)
    for row in mine:
        if row.kind != kind or wanted is None:
            continue
        if kind == PROJECT:
            label = row.label.casefold()
            if wanted in (label, label.rsplit("/", 1)[-1]):
                return Term(row.kind, row.value, row.label)
        elif row.value == wanted:
            return Term(row.kind, row.value, row.label)
    return None
