"""Parsing the slash command: subcommands, "did you mean", Slack's escaping, and `find` filters."""

from __future__ import annotations

from bot.services.command_line import Invocation, parse, parse_find, plain
from bot.services.results import UnknownCommand
from handlers.subcommands import NAMES


def test_empty_and_help_are_help() -> None:
    assert parse("", NAMES) == Invocation("help", "")
    assert parse("   ", NAMES) == Invocation("help", "")
    assert parse("HELP", NAMES) == Invocation("help", "")


def test_subcommand_and_argument() -> None:
    assert parse("find  design   system", NAMES) == Invocation("find", "design system")
    assert parse("search kafka", NAMES) == Invocation("find", "kafka")
    assert parse("project acme/aurora", NAMES) == Invocation("project", "acme/aurora")


def test_unknown_subcommand_suggests_the_closest() -> None:
    assert parse("fnid kafka", NAMES) == UnknownCommand("fnid", "find")
    assert parse("projcet x", NAMES) == UnknownCommand("projcet", "project")
    assert parse("frobnicate", NAMES) == UnknownCommand("frobnicate", None)


def test_slack_escaping_is_undone() -> None:
    assert (
        plain("project <https://github.com/acme/x|github.com/acme/x>") == "project https://github.com/acme/x"
    )
    assert plain("find a &amp; b &lt;tag&gt;") == "find a & b <tag>"
    assert plain("hi <@U123|jasmine> in <#C42|design>") == "hi @U123 in #design"
    assert parse("project <https://gitlab.example.com/a/b>", NAMES) == Invocation(
        "project", "https://gitlab.example.com/a/b"
    )


def test_find_filters() -> None:
    query = parse_find("kafka client lang:JS topic:Event-Driven forge:GitLab")
    assert query.words == ("kafka", "client")
    assert query.languages == ("javascript",)
    assert query.topics == ("event-driven",)
    assert query.forges == ("gitlab",)
    assert query.problems == ()


def test_find_filter_problems_are_reported_not_dropped_silently() -> None:
    query = parse_find("x forge:bitbucket topic:")
    assert query.words == ("x",)
    assert len(query.problems) == 2
    assert "bitbucket" in query.problems[0]


def test_find_query_is_capped() -> None:
    assert len(parse_find("ü" * 3000).text) == 500
