"""The console's `forge …` lines: act on the sample organisation as a forge user would, then deliver
the resulting webhook to the bot, so what follows (catalog change, routing, a DM) can be watched."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from pydantic import SecretStr

from bot.config import Settings
from bot.sandbox.forge.server import FakeForge
from bot.sandbox.forge.webhooks import Delivery, WebhookSender
from bot.sandbox.forge.world import FakeRepo

FORGE_HELP = (
    '`forge label REPO "Title"` opens a good-first-issue in a sample repository (e.g. '
    '`forge label acme/aurora-design-system "Fix the button focus ring"`, or a GitLab one such as '
    "platform/ci-cd/pipeline-templates) and delivers its webhook to the bot; "
    "`forge close REPO NUMBER` closes an issue the same way; `forge ready REPO` gives a repository "
    "what InnerSource-ready takes (README, CONTRIBUTING, CODEOWNERS, a description, recent commits) "
    "and crawls, so its announcement follows; `forge repos` lists the repositories."
)
USAGE = '! Say `forge label REPO "Title"`, `forge close REPO NUMBER`, `forge ready REPO` or `forge repos`.'
_LONG_ENOUGH = 31  # a description over 30 characters is what the activity score rewards


@dataclass(frozen=True)
class ForgeConsole:
    sender: WebhookSender
    label: str = "good first issue"  # the first configured good-first-issue label
    crawl: Callable[[], list[str]] | None = None  # the crawl job (and what follows it): summaries


def sandbox_forge_console(
    forge: FakeForge | None,
    settings: Settings,
    bot_url: str,
    crawl: Callable[[], list[str]] | None = None,
) -> ForgeConsole | None:
    """`forge …` lines for the running sandbox: its World, delivered to the bot at `bot_url` with the
    webhook secrets the sandbox settings carry; `crawl` runs the crawl job. None outside the sandbox
    (no fake forge)."""
    if forge is None:
        return None

    def secret(value: SecretStr | None) -> str | None:
        return value.get_secret_value() if value is not None else None

    sender = WebhookSender(
        world=forge.world,
        bot_url=bot_url,
        github_api_url=forge.github_api_url,
        gitlab_url=forge.gitlab_url,
        github_secret=secret(settings.github_webhook_secret),
        gitlab_secret=secret(settings.gitlab_webhook_secret),
    )
    labels = settings.good_first_issue_labels
    return ForgeConsole(sender, labels[0] if labels else ForgeConsole.label, crawl)


def forge_command(forge: ForgeConsole | None, line: str) -> list[str]:
    """The lines to print for one `forge …` console line."""
    if forge is None:
        return ["! `forge` works in the sandbox only (no sample forge is running)."]
    try:
        words = shlex.split(line)[1:]
    except ValueError:
        return ["! Unbalanced quotes; put the title in double quotes."]
    if words[:1] == ["repos"]:
        return _repos(forge)
    if len(words) == 2 and words[0] == "ready":
        found = _repo(forge, words[1])
        return _ready(forge, found) if isinstance(found, FakeRepo) else found
    if len(words) != 3 or words[0] not in ("label", "close"):
        return [USAGE]
    verb, name, argument = words
    repo = _repo(forge, name)
    if not isinstance(repo, FakeRepo):
        return repo
    if verb == "label":
        return _label(forge, repo, argument)
    if not argument.isdigit():
        return [USAGE]
    return _close(forge, repo, int(argument))


def _repo(forge: ForgeConsole, name: str) -> FakeRepo | list[str]:
    world = forge.sender.world
    repo = next((r for r in list(world.repos) if r.full_name.lower() == name.lower()), None)
    if repo is None:
        return [f"! No repository {name} in the sample organisation; `forge repos` lists them."]
    return repo


def _ready(forge: ForgeConsole, repo: FakeRepo) -> list[str]:
    """Give `repo` what the readiness checklist and the activity score look for, as its maintainers
    would by pushing; then crawl (the push changed its marker, so it is read again)."""
    world = forge.sender.world
    with world.lock:
        if repo.archived or repo.fork or repo.empty:
            return [f"! {repo.full_name} is archived, a fork or empty: the catalog does not list it."]
        owner = next((u.login for u in world.users.values() if not u.is_bot), "sandbox-user")
        if len(repo.description) < _LONG_ENOUGH:
            extra = "maintained in the open; contributions welcome"
            repo.description = f"{repo.description} — {extra}" if repo.description else extra.capitalize()
        defaults = {
            "README.md": f"# {repo.name}\n\n{repo.description}\n",
            "CONTRIBUTING.md": "# Contributing\n\nFork, branch, open a pull request; we review it soon.\n",
            "CODEOWNERS": f"* @{owner}\n",
        }
        for path, text in defaults.items():
            repo.files.setdefault(path, text)
        repo.weekly_commits = [*repo.weekly_commits[:-13], *(max(c, 6) for c in repo.weekly_commits[-13:])]
        repo.stars, repo.watchers = max(repo.stars, 12), max(repo.watchers, 4)
        repo.pushed_at = repo.updated_at = max(repo.pushed_at, world.now) + timedelta(seconds=1)
    said = [f"Pushed README, CONTRIBUTING, CODEOWNERS and a week of commits to {repo.full_name}."]
    if forge.crawl is None:
        return [*said, "! No crawl is wired here; run `innersource-bot crawl` to see it ready."]
    return said + [f"Ran {summary}" for summary in forge.crawl()]


def _repos(forge: ForgeConsole) -> list[str]:
    with forge.sender.world.lock:
        names = sorted(f"{r.full_name} ({r.forge})" for r in forge.sender.world.repos)
    return ["Repositories: " + ", ".join(names)]


def _label(forge: ForgeConsole, repo: FakeRepo, title: str) -> list[str]:
    world = forge.sender.world
    author = next((u.login for u in list(world.users.values()) if not u.is_bot), "sandbox-user")
    issue = world.add_issue(repo, title, author, [forge.label])
    opened = f'Opened {repo.full_name}#{issue.number} "{title}" labelled `{forge.label}` as @{author}.'
    return [opened, _delivered(forge.sender.issue_event(repo, issue, "opened"))]


def _close(forge: ForgeConsole, repo: FakeRepo, number: int) -> list[str]:
    world = forge.sender.world
    with world.lock:
        issue = next((i for i in repo.issues if i.number == number), None)
        if issue is None:
            return [f"! {repo.full_name} has no issue #{number}."]
        issue.state = "closed"
        issue.updated_at = max(issue.updated_at, world.now)
    return [f"Closed {repo.full_name}#{number}.", _delivered(forge.sender.issue_event(repo, issue, "closed"))]


def _delivered(delivery: Delivery) -> str:
    where = "/webhooks/github" if delivery.forge == "github" else "/webhooks/gitlab"
    if delivery.status == 0:
        return f"! The {delivery.event} webhook did not reach the bot: {delivery.answer.get('detail')}."
    detail = delivery.answer.get("detail") or delivery.answer.get("status") or ""
    return f"Delivered the {delivery.event} webhook to {where}: HTTP {delivery.status} — {detail}."
