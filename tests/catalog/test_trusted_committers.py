"""Trusted committers a project lists: innersource.json `trustedCommitters`, the README section."""

from __future__ import annotations

from typing import Any

import pytest

from bot.catalog.trusted_committers import (
    innersource_trusted_committers,
    listed_trusted_committers,
    readme_trusted_committers,
)


@pytest.mark.parametrize(
    ("innersource", "expected"),
    [
        ({"trustedCommitters": ["alice", "@bob"]}, ["alice", "bob"]),
        ({"trustedCommitters": [{"login": "alice"}, {"username": "bob", "name": "Bob"}]}, ["alice", "bob"]),
        ({"trusted_committers": "alice, @bob"}, ["alice", "bob"]),
        ({"trustedCommitters": [42, None, "two words", {"name": "No Login"}, "ok-name"]}, ["ok-name"]),
        ({"trustedCommitters": {"alice": True}}, []),
        ({"maintainers": ["alice"]}, []),
        (None, []),
    ],
)
def test_innersource_json_is_read_leniently(innersource: dict[str, Any] | None, expected: list[str]) -> None:
    assert innersource_trusted_committers(innersource) == expected


def test_readme_section_mentions_list_items_and_profile_links() -> None:
    section = "\n".join(
        [
            "These people may merge:",
            "",
            "- @alice (frontend)",
            "- bob",
            "* [carol](https://github.com/carol) - docs",
            "1. dave: backend",
            "- `erin`",
            "- Jane Doe",  # a name, not a login
            "| Frank | @frank |",
            "Write to x@example.com or the team @acme/core.",
        ]
    )

    assert readme_trusted_committers(section) == ["alice", "bob", "carol", "dave", "erin", "frank"]


def test_both_sources_together_each_login_once() -> None:
    innersource = {"trustedCommitters": ["Alice", "bob"]}

    assert listed_trusted_committers(innersource, "- @alice\n- carol") == ["Alice", "bob", "carol"]
    assert listed_trusted_committers(None, None) == []


def test_placeholders_written_where_the_names_will_go_are_nobody() -> None:
    section = "- TBD\n- *None* yet\n- todo: ask the team\n- @alice\n- nobody\n"
    assert readme_trusted_committers(section) == ["alice"]
    assert innersource_trusted_committers({"trustedCommitters": ["TBD", "bob", {"login": "none"}]}) == ["bob"]
