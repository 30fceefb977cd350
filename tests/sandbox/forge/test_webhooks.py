"""The fake forge's webhooks: shaped like the forges' published examples, signed as GitHub signs, and
the console's `forge label` / `forge close` lines changing the bot's catalog through them."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from bot.sandbox.console.console import HELP, run_console
from bot.sandbox.console.forge_commands import ForgeConsole, forge_command
from bot.sandbox.forge.webhooks import WebhookSender, github_issue_payload, gitlab_issue_payload, sign
from bot.sandbox.slack.fake_slack import FakeSlack
from bot.services.forge_payloads import github_event, gitlab_event
from tests.services.forge_event_support import (
    GFI,
    GITHUB_SECRET,
    GITLAB_SECRET,
    Catalog,
    catalog_fixture,  # noqa: F401  (the `catalog` fixture)
    example,
    webhook_server,
)


def test_sign_matches_githubs_published_test_vector() -> None:
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert sign("It's a Secret to Everybody", b"Hello, World!") == expected


@pytest.fixture
def console(catalog: Catalog) -> Iterator[ForgeConsole]:
    with webhook_server(catalog) as server:
        sender = WebhookSender(
            world=catalog.world,
            bot_url=server.url,
            github_api_url=catalog.forge.github_api_url,
            gitlab_url=catalog.forge.gitlab_url,
            github_secret=GITHUB_SECRET,
            gitlab_secret=GITLAB_SECRET,
        )
        yield ForgeConsole(sender, GFI)


def _keys(value: object) -> set[str]:
    return set(value) if isinstance(value, dict) else set()


def test_payloads_are_shaped_like_the_published_examples(catalog: Catalog) -> None:
    github_repo = catalog.repo("acme/aurora-design-system")
    issue = catalog.world.add_issue(github_repo, "Fix focus ring", "alice", [GFI])
    built = github_issue_payload(
        catalog.world, github_repo, issue, "labeled", catalog.forge.github_api_url, GFI
    )
    published = example("github/webhooks/issues.labeled.json")
    assert _keys(published) <= _keys(built)
    # The 2019 example's issue also has `draft` and `reactions`, which the bot does not read.
    assert _keys(published["issue"]) - {"draft", "reactions"} <= _keys(built["issue"])
    parsed = github_event("issues", built).issue
    assert parsed is not None and (parsed.number, parsed.labels, parsed.repo_forge_id) == (
        issue.number,
        (GFI,),
        str(github_repo.id),
    )

    gitlab_repo = catalog.repo("platform/ci-cd/pipeline-templates")
    item = catalog.world.add_issue(gitlab_repo, "Document the cache key", "bob", [GFI])
    hook = gitlab_issue_payload(catalog.world, gitlab_repo, item, "open", catalog.forge.gitlab_url)
    published = example("gitlab/webhooks/issue.json")
    assert _keys(published) <= _keys(hook)
    assert _keys(published["project"]) <= _keys(hook["project"])
    parsed = gitlab_event("Issue Hook", hook).issue
    assert parsed is not None and (parsed.number, parsed.author, parsed.state) == (item.number, "bob", "open")


def test_forge_label_opens_an_issue_and_the_catalog_has_it(catalog: Catalog, console: ForgeConsole) -> None:
    repo = catalog.repo("acme/aurora-design-system")
    said = forge_command(console, 'forge label acme/aurora-design-system "Fix the focus ring"')
    number = repo.issues[-1].number
    assert said[0].startswith(f'Opened acme/aurora-design-system#{number} "Fix the focus ring"')
    assert (
        said[1]
        == f"Delivered the issues.opened webhook to /webhooks/github: HTTP 200 — issue #{number} is open."
    )
    assert (number, "open", []) in catalog.issues(repo)

    said = forge_command(console, f"forge close acme/aurora-design-system {number}")
    assert said[1].endswith(f"HTTP 200 — issue #{number} is closed.")
    assert (number, "closed", []) in catalog.issues(repo)


def test_forge_label_on_a_gitlab_project_delivers_an_issue_hook(
    catalog: Catalog, console: ForgeConsole
) -> None:
    repo = catalog.repo("platform/ci-cd/pipeline-templates")
    said = forge_command(console, 'forge label platform/ci-cd/pipeline-templates "Cache the pip wheels"')
    assert "Issue Hook (open)" in said[1] and "HTTP 200" in said[1]
    assert (repo.issues[-1].number, "open", []) in catalog.issues(repo)


def test_forge_lines_that_cannot_work(catalog: Catalog, console: ForgeConsole) -> None:
    assert forge_command(None, "forge label acme/x y")[0].startswith("! `forge` works in the sandbox only")
    assert forge_command(console, "forge label acme/nope 'Title'")[0].startswith("! No repository acme/nope")
    assert forge_command(console, 'forge label "unbalanced')[0].startswith("! Unbalanced quotes")
    assert forge_command(console, "forge close acme/aurora-design-system 9999")[0].endswith(
        "has no issue #9999."
    )
    assert forge_command(console, "forge paint acme/aurora-design-system")[0].startswith("! Say `forge label")
    assert "acme/aurora-design-system (github)" in forge_command(console, "forge repos")[0]


def test_the_console_runs_forge_lines_and_documents_them(catalog: Catalog, console: ForgeConsole) -> None:
    assert "forge label" in HELP
    out = io.StringIO()
    lines = io.StringIO('help\nforge label acme/kafka-client "Add a retry example"\n')
    with FakeSlack() as slack:
        assert run_console("http://127.0.0.1:9/slack/events", slack, lines, out, False, forge=console) == 0
    printed = out.getvalue()
    assert '> forge label acme/kafka-client "Add a retry example"' in printed
    assert "Delivered the issues.opened webhook to /webhooks/github: HTTP 200" in printed
    assert catalog.issues(catalog.repo("acme/kafka-client"))[-1][1] == "open"
