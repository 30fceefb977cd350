"""The one table of `/innersource` subcommands: name → answer (parse, call a service, render), with its
help line and example. Help, "did you mean" and dispatch all read it; adding a subcommand is one row
here and its service.

An answer function gets the listener's dependencies, who is asking and the text after the subcommand,
and returns the rendered message. It runs after the user check, off the request thread.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt import Respond

from bot.services.command_line import parse
from bot.services.discovery import NEW_DAYS
from bot.services.identity import IdentityService, SlackProfile
from bot.services.progression import ProgressionService
from bot.services.results import HelpLine, HelpTopic, UnknownCommand
from bot.services.subscriptions import SubscriptionService
from bot.slack.announcement_blocks import new_projects_message
from bot.slack.blocks import find_message, help_message, project_message
from bot.slack.issue_blocks import issues_message
from bot.slack.progression_blocks import (
    admin_help_message,
    admin_message,
    admin_refused_message,
    crawl_done_message,
    crawl_started_message,
    crawl_unavailable_message,
    me_message,
)
from bot.slack.stats_blocks import stats_message
from bot.slack.subscription_blocks import (
    cadence_message,
    link_message,
    maintainer_digest_message,
    subscription_change_message,
    subscriptions_message,
)
from handlers.background import run_later
from handlers.deps import HandlerDeps

Message = dict[str, Any]
T = TypeVar("T")
_BARE_MENTION = re.compile(r"(?<![<\w])@([UW][A-Z0-9]{2,})\b")


@dataclass(frozen=True)
class Asker:
    """Who typed the command, as `users.info` describes them (admitted by the user gate already)."""

    profile: SlackProfile
    # The command's response_url, for an answer that follows the acknowledgement (`admin crawl`).
    respond: Respond | None = None

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
    return find_message(deps.discovery.find(argument), deps.subscribed_projects(asker.user_id))


def _project(deps: HandlerDeps, asker: Asker, argument: str) -> Message:
    return project_message(deps.discovery.project(argument), deps.subscribed_projects(asker.user_id))


def _new(deps: HandlerDeps, asker: Asker, argument: str) -> Message:
    discovery = deps.discovery
    projects = discovery.new_projects(deps.now(), days=NEW_DAYS)
    subscribed = deps.subscribed_projects(asker.user_id)
    return new_projects_message(projects, NEW_DAYS, discovery.catalog_size(), subscribed)


def _wired(service: T | None, what: str) -> T:
    if service is None:
        raise RuntimeError(f"{what} are not wired (bot/app.py build_slack_app)")
    return service


def _subscriptions_service(deps: HandlerDeps) -> SubscriptionService:
    return _wired(deps.subscriptions, "subscriptions")


def _identity_service(deps: HandlerDeps) -> IdentityService:
    return _wired(deps.identities, "identities")


def _issues(deps: HandlerDeps, asker: Asker, argument: str) -> Message:
    return issues_message(_wired(deps.issues, "issues").find(asker.user_id, argument))


def _subscribe(deps: HandlerDeps, asker: Asker, argument: str) -> Message:
    return subscription_change_message(_subscriptions_service(deps).subscribe(asker.profile, argument))


def _unsubscribe(deps: HandlerDeps, asker: Asker, argument: str) -> Message:
    return subscription_change_message(_subscriptions_service(deps).unsubscribe(asker.profile, argument))


def _list_subscriptions(deps: HandlerDeps, asker: Asker, argument: str) -> Message:
    return subscriptions_message(_subscriptions_service(deps).subscriptions(asker.profile))


def _digest(deps: HandlerDeps, asker: Asker, argument: str) -> Message:
    return cadence_message(_subscriptions_service(deps).set_cadence(asker.profile, argument))


def _maintainer_digest(deps: HandlerDeps, asker: Asker, argument: str) -> Message:
    service = _subscriptions_service(deps)
    return maintainer_digest_message(service.set_maintainer_digest(asker.profile, argument))


def _link(deps: HandlerDeps, asker: Asker, argument: str) -> Message:
    forge, _, login = argument.partition(" ")
    return link_message(_identity_service(deps).link(asker.profile, forge, login))


def _unlink(deps: HandlerDeps, asker: Asker, argument: str) -> Message:
    return link_message(_identity_service(deps).unlink(asker.profile, argument))


def _progression(deps: HandlerDeps) -> ProgressionService:
    return _wired(deps.progression, "progression")


def _me(deps: HandlerDeps, asker: Asker, argument: str) -> Message:
    return me_message(_progression(deps).me(asker.profile))


def _stats(deps: HandlerDeps, asker: Asker, argument: str) -> Message:
    return stats_message(_wired(deps.stats, "stats").stats())


def _admin(deps: HandlerDeps, asker: Asker, argument: str) -> Message:
    progression = _progression(deps)
    if not progression.is_admin(asker.user_id):  # before anything else: nothing runs, nothing is said
        return admin_refused_message()
    word, _, rest = argument.strip().partition(" ")
    if word.lower() == "promote":
        return admin_message(progression.promote(asker.profile, _mentions(rest)))
    if word.lower() == "crawl":
        return _admin_crawl(deps, asker)
    return admin_help_message()


def _mentions(text: str) -> str:
    """Mentions back in Slack's form: the parser has turned `<@U…|name>` into `@U…` (command_line.plain)."""
    return _BARE_MENTION.sub(r"<@\1>", text)


def _admin_crawl(deps: HandlerDeps, asker: Asker) -> Message:
    crawl, respond = deps.admin_crawl, asker.respond
    if crawl is None or respond is None:
        return crawl_unavailable_message()

    def work() -> None:  # minutes, maybe: off the answer, the summary follows through response_url
        respond(crawl_done_message(crawl()))

    run_later(deps.executor, "admin crawl", asker.user_id, work, respond)
    return crawl_started_message()


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
    Subcommand(
        "new",
        HelpLine("new", "projects that became InnerSource-ready in the last 30 days, newest first", "new"),
        _new,
        ("latest",),
    ),
    Subcommand(
        "issues",
        HelpLine(
            "issues [WORDS] [lang:X] [topic:Y]",
            "open, unclaimed good first issues: matching the filters, or your subscriptions without any",
            "issues lang:python",
        ),
        _issues,
        ("gfi",),
    ),
    Subcommand(
        "subscribe",
        HelpLine(
            "subscribe TERM...",
            "good first issues by topic, `lang:X` or `project:NAME`, by DM or digest",
            "subscribe kafka lang:go project:acme/aurora-design-system",
        ),
        _subscribe,
        ("sub", "follow"),
    ),
    Subcommand(
        "unsubscribe",
        HelpLine("unsubscribe TERM... | all", "stop a subscription", "unsubscribe lang:go"),
        _unsubscribe,
        ("unsub", "unfollow"),
    ),
    Subcommand(
        "subscriptions",
        HelpLine("subscriptions", "what you subscribe to, and how often you hear about it", "subscriptions"),
        _list_subscriptions,
    ),
    Subcommand(
        "digest",
        HelpLine(
            "digest instant|daily|weekly|off",
            "how good first issues reach you: one DM each, a daily or weekly digest, or not at all "
            "(`off` stops the maintainer digest too)",
            "digest weekly",
        ),
        _digest,
        ("cadence",),
    ),
    Subcommand(
        "maintainer-digest",
        HelpLine(
            "maintainer-digest on|off",
            "the weekly digest of the projects you maintain: waiting contributions, new contributors…",
            "maintainer-digest off",
        ),
        _maintainer_digest,
    ),
    Subcommand(
        "link",
        HelpLine(
            "link github LOGIN | link gitlab USERNAME",
            "tell me your forge account when your e-mails don't match",
            "link github octocat",
        ),
        _link,
    ),
    Subcommand("unlink", HelpLine("unlink FORGE", "forget a linked forge account", "unlink github"), _unlink),
    Subcommand(
        "me",
        HelpLine("me", "your level, contributions and next step", "me"),
        _me,
        ("progress", "level"),
    ),
    Subcommand(
        "stats",
        HelpLine(
            "stats", "the program at a glance: levels, response times, InnerSource ratio, waits", "stats"
        ),
        _stats,
        ("metrics",),
    ),
    Subcommand(
        "admin",
        HelpLine(
            "admin crawl | admin promote @user PROJECT",
            "admins only: crawl now, or make someone a trusted committer of a project",
            "admin promote @ana acme/kafka-client",
        ),
        _admin,
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
