"""The one table of `/innersource` subcommands: name → answer (parse, call a service, render), with its
help line and example. Help, "did you mean" and dispatch all read it; adding a subcommand is one row
here and its service.

An answer function gets the listener's dependencies, who is asking and the text after the subcommand,
and returns the rendered message. It runs after the user check, off the request thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.services.command_line import parse
from bot.services.identity import SlackProfile
from bot.services.results import HelpLine, HelpTopic, UnknownCommand
from bot.slack.blocks import find_message, help_message, project_message
from handlers.deps import HandlerDeps

Message = dict[str, Any]


@dataclass(frozen=True)
class Asker:
    """Who typed the command, as `users.info` describes them (admitted by the user gate already)."""

    profile: SlackProfile

    @property
    def user_id(self) -> str:
        return self.profile.user_id


Answer = Callable[[HandlerDeps, Asker, str], Message]


@dataclass(frozen=True)
class Subcommand:
    name: str
    help: HelpLine
    answer: Answer
    aliases: tuple[str, ...] = ()


def _help(deps: HandlerDeps, asker: Asker, argument: str) -> Message:
    return help_message(HelpTopic(commands=HELP_LINES))


def _find(deps: HandlerDeps, asker: Asker, argument: str) -> Message:
    return find_message(deps.discovery.find(argument))


def _project(deps: HandlerDeps, asker: Asker, argument: str) -> Message:
    return project_message(deps.discovery.project(argument))


TABLE: tuple[Subcommand, ...] = (
    Subcommand("help", HelpLine("help", "what the bot does and how to use it", "help"), _help, ("?",)),
    Subcommand(
        "find",
        HelpLine(
            "find WORDS [lang:X] [topic:Y] [forge:github|gitlab]",
            "the best matching projects, with why they match, activity and good first issues",
            "find kafka client lang:java",
        ),
        _find,
        ("search",),
    ),
    Subcommand(
        "project",
        HelpLine(
            "project NAME | owner/name | URL",
            "one project's card: maintainers, readiness checklist, activity, how to contribute",
            "project acme/design-system",
        ),
        _project,
        ("show", "info", "details"),
    ),
)

BY_NAME: dict[str, Subcommand] = {row.name: row for row in TABLE}
NAMES: dict[str, str] = {name: row.name for row in TABLE for name in (row.name, *row.aliases)}
HELP_LINES: tuple[HelpLine, ...] = tuple(row.help for row in TABLE)


def dispatch(deps: HandlerDeps, asker: Asker, text: str) -> tuple[str, Message]:
    """(subcommand, rendered answer) for the text after the slash command."""
    invocation = parse(text, NAMES)
    if isinstance(invocation, UnknownCommand):
        return "unknown", help_message(HelpTopic(unknown=invocation, commands=HELP_LINES))
    row = BY_NAME[invocation.subcommand]
    return row.name, row.answer(deps, asker, invocation.argument)
