"""Parses what follows `/innersource`: the subcommand, and a `find` query with its filters."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.catalog.search_text import language_key, topic_key
from bot.services.results import FindQuery, UnknownCommand

FORGES = ("github", "gitlab")
MAX_QUERY_CHARS = 500  # Slack allows ~4,000 characters of command text; nobody searches with more
_SLACK_ESCAPE = re.compile(r"<([^<>]+)>")
_FILTER = re.compile(r"^(lang|language|topic|forge):(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Invocation:
    subcommand: str
    argument: str  # the rest of the text, whitespace collapsed


def parse(text: str, names: Mapping[str, str]) -> Invocation | UnknownCommand:
    """`names` maps every subcommand name and alias to its subcommand (handlers/subcommands.py's table);
    an empty command is `help`."""
    words = plain(text).split()
    if not words:
        return Invocation("help", "")
    first = words[0].casefold()
    argument = " ".join(words[1:])
    if first in names:
        return Invocation(names[first], argument)
    return UnknownCommand(words[0][:40], closest_subcommand(first, names))


def plain(text: str) -> str:
    """Command text as the person typed it. The manifest asks Slack to escape the text
    (`should_escape`), so links arrive as `<https://…|label>`, mentions as `<@U…|name>` and
    `&`, `<`, `>` as entities; undo that once, here."""

    def replace(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith(("@", "#")):
            return target[0] + (label or target[1:]) if target.startswith("#") else target
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        return target

    unlinked = _SLACK_ESCAPE.sub(replace, text)
    return unlinked.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def closest_subcommand(word: str, names: Mapping[str, str]) -> str | None:
    found = process.extractOne(word, list(names), scorer=OSA.distance, score_cutoff=2)
    return names[found[0]] if found else None


def parse_find(argument: str) -> FindQuery:
    """`kafka client lang:java topic:messaging forge:github` → words and filters.

    A filter with an empty or unknown value is reported in `problems` rather than silently
    dropped, so the answer can say what was ignored.
    """
    text = " ".join(argument.split())[:MAX_QUERY_CHARS]
    words: list[str] = []
    languages: list[str] = []
    topics: list[str] = []
    forges: list[str] = []
    problems: list[str] = []
    for token in text.split():
        match = _FILTER.match(token)
        if match is None:
            words.append(token)
            continue
        kind, value = match.group(1).casefold(), match.group(2).strip()
        if not value:
            problems.append(f"“{token}” has no value (for example {kind}:{_EXAMPLES[kind]})")
        elif kind in ("lang", "language"):
            languages.append(language_key(value))
        elif kind == "topic":
            topics.append(topic_key(value))
        elif value.casefold() in FORGES:
            forges.append(value.casefold())
        else:
            problems.append(f"unknown forge “{value}” (github or gitlab)")
    return FindQuery(
        text=text,
        words=tuple(words),
        languages=tuple(dict.fromkeys(languages)),
        topics=tuple(dict.fromkeys(topics)),
        forges=tuple(dict.fromkeys(forges)),
        problems=tuple(problems),
    )


_EXAMPLES = {"lang": "go", "language": "go", "topic": "kafka", "forge": "gitlab"}
