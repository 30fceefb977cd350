"""A generated organisation of N repositories, for benchmarks: `generate_world`, `touch_repos`.

The mix follows what a large company's forge looks like (see the proportions below): most
repositories are quiet, a third were pushed this quarter, a few are archived, forks or private,
and documentation is patchy. Everything comes from one seeded generator, so a seed names a world.
Generation is cheap (thousands of repositories a second) because benchmarks build big worlds
often; the file texts are short and mostly shared.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

from bot.sandbox.forge.sample_org import GITHUB_CI, github_secret_scan, gitlab_ci, license_text
from bot.sandbox.forge.world import FakeRepo, World

NAMESPACE = "bench"  # the GitHub org and the GitLab group
PRIVATE_TOPIC = "innersource"  # the default opt-in topic for private repositories
GOOD_FIRST_ISSUE_LABELS = ("good first issue", "good-first-issue", "help wanted")
DAY = 86_400  # seconds

# Shares of all repositories (independent draws, so the exact counts vary a little with the seed).
RECENT, MIDDLE = 0.35, 0.30  # pushed within 90 days / 90-365 days; the rest is older
ARCHIVED, FORK, PRIVATE, EMPTY = 0.05, 0.03, 0.03, 0.02
PRIVATE_WITH_TOPIC = 1 / 3
FILE_SHARES = {
    "readme": 0.95,
    "contributing": 0.40,
    "codeowners": 0.50,
    "innersource": 0.35,
    "license": 0.60,
    "ci": 0.50,
    "templates": 0.25,
}
SECRET_SCAN_IN_CI = 0.20  # of the repositories with CI
WITH_ISSUES = 0.50

_DOMAINS = (
    "payments", "billing", "checkout", "search", "catalog", "inventory", "shipping", "identity",
    "notifications", "pricing", "orders", "reviews", "recommendations", "analytics", "reporting",
    "fraud", "ledger", "loyalty", "media", "content", "geo", "scheduling", "messaging", "support",
    "onboarding", "compliance", "risk", "forecasting", "warehouse", "design", "docs", "platform",
)  # fmt: skip
_KINDS = (
    "service", "api", "worker", "sdk", "ui", "lib", "pipeline", "gateway", "cli", "dashboard",
    "operator", "adapter", "config", "infra", "bot", "client", "jobs", "schemas", "terraform",
)  # fmt: skip
_PURPOSES = (
    "for the web shop", "for internal tools", "used by mobile apps", "shared by all teams",
    "for the data platform", "(legacy)", "for partners", "for the EU region", "experimental",
)  # fmt: skip
# Primary languages with their weights; secondary languages are drawn from the same list.
_LANGS = (
    ("Python", 22), ("TypeScript", 18), ("Go", 12), ("Java", 12), ("JavaScript", 8),
    ("Kotlin", 5), ("HCL", 5), ("Shell", 4), ("C#", 4), ("Ruby", 3), ("Scala", 2), ("Swift", 2),
    ("Rust", 2), ("PHP", 1),
)  # fmt: skip
_LANG_NAMES = tuple(name for name, _ in _LANGS)
_LANG_WEIGHTS = tuple(weight for _, weight in _LANGS)
_TOPICS = (
    "api", "backend", "frontend", "react", "kubernetes", "terraform", "kafka", "data", "ml",
    "security", "observability", "sdk", "cli", "library", "microservice", "mobile", "docs",
    "design-system", "ci-cd", "payments", "search", "analytics", "graphql", "grpc", "aws", "azure",
)  # fmt: skip
_OTHER_LABELS = ("bug", "enhancement", "question", "documentation", "tech-debt")
_CHANGE_TITLES = ("Fix flaky test", "Add metrics", "Update README", "Refactor config loading",
                  "Handle timeouts", "Bump dependencies", "Add input validation")  # fmt: skip
_CONTRIBUTING = (
    "# Contributing\n\nOpen an issue first for anything big. Branch, add tests, open a pull "
    "request; a maintainer answers within two working days.\n"
)
_ISSUE_TEMPLATE = "## What happened?\n\n## What did you expect?\n"
_CHANGE_TEMPLATE = "## What and why\n\n- [ ] Tests added\n"


def listed(repo: FakeRepo, private_topic: str = PRIVATE_TOPIC) -> bool:
    """The listing rule of SPEC "What is indexed": what a correct crawl must list."""
    visible = repo.visibility in ("public", "internal") or private_topic in repo.topics
    return visible and not repo.archived and not repo.fork


def generate_world(repos: int, *, seed: int = 1, now: datetime, github_share: float = 1.0) -> World:
    """A World with `repos` repositories: round(repos * github_share) on GitHub, the rest on GitLab."""
    rng = random.Random(seed)
    world = World(now=now)
    n_github = round(repos * github_share)
    world.github_orgs = [NAMESPACE] if n_github else []
    world.gitlab_groups = [NAMESPACE] if repos - n_github else []
    people = [
        world.add_user(f"dev{i:04d}", f"Developer {i:04d}", f"dev{i:04d}@bench.example").login
        for i in range(min(max(50, repos // 10), 5_000))  # about one person per ten repositories
    ]
    world.add_user("dependabot[bot]", "Dependabot", bot=True)
    world.add_user("renovate-bot", "Renovate Bot", bot=True)
    names: dict[str, int] = {}
    for i in range(repos):
        _generate_repo(world, rng, "github" if i < n_github else "gitlab", people, names)
    return world


def _name(rng: random.Random, names: dict[str, int]) -> str:
    base = f"{rng.choice(_DOMAINS)}-{rng.choice(_KINDS)}"
    names[base] = names.get(base, 0) + 1
    return base if names[base] == 1 else f"{base}-{names[base]}"


def _generate_repo(
    world: World, rng: random.Random, forge: str, people: list[str], names: dict[str, int]
) -> FakeRepo:
    now = world.now
    bucket = rng.random()
    if bucket < RECENT:
        pushed_days = rng.uniform(0.05, 90)  # at least an hour ago: a touch always moves it
    elif bucket < RECENT + MIDDLE:
        pushed_days = rng.uniform(90, 365)
    else:
        pushed_days = rng.uniform(365, 2_500)
    pushed = now - timedelta(seconds=int(pushed_days * DAY))
    created = pushed - timedelta(seconds=int(rng.expovariate(1 / 500) * DAY))
    empty = rng.random() < EMPTY
    if empty:
        pushed = created  # nothing was ever pushed: the forges report the creation time
    private = rng.random() < PRIVATE
    topics = rng.sample(_TOPICS, rng.choice((0, 1, 1, 2, 2, 3, 4)))
    if private and rng.random() < PRIVATE_WITH_TOPIC:
        topics.append(PRIVATE_TOPIC)
    name = _name(rng, names)
    domain = name.split("-")[0]
    description = (
        "" if rng.random() < 0.1 else f"{name.replace('-', ' ').capitalize()} {rng.choice(_PURPOSES)}"
    )
    owners = rng.sample(people, rng.choice((1, 1, 2)))
    primary = rng.choices(_LANG_NAMES, _LANG_WEIGHTS)[0]
    languages: dict[str, int] = {}
    if not empty:
        languages[primary] = int(rng.lognormvariate(11, 1.5)) + 500
        for other in rng.sample(_LANG_NAMES, rng.choice((0, 0, 1, 2))):
            languages.setdefault(other, int(languages[primary] * rng.uniform(0.01, 0.3)) + 1)
    stars = int(rng.paretovariate(1.2)) - 1
    repo = world.new_repo(
        forge,
        NAMESPACE,
        name,
        description=description,
        created_at=created,
        pushed_at=pushed,
        topics=topics,
        visibility="private" if private else ("public" if rng.random() < 0.1 else "internal"),
        archived=rng.random() < ARCHIVED,
        fork=rng.random() < FORK,
        empty=empty,
        languages=languages,
        stars=min(stars, 2_000),
        forks=min(stars // 4, 500),
        watchers=min(stars // 3 + len(owners), 300) if forge == "github" else 0,
        weekly_commits=[0] * 52 if empty else _weekly(rng, now, created, pushed, pushed_days),
        files={} if empty else _files(rng, forge, name, domain, description, owners, primary),
    )
    if empty:
        return repo
    if rng.random() < WITH_ISSUES:
        _issues(world, rng, repo, people)
    if pushed_days < 90:  # merged changes only where something was pushed lately
        _merged(world, rng, repo, owners, people)
    return repo


def _weekly(
    rng: random.Random, now: datetime, created: datetime, pushed: datetime, pushed_days: float
) -> list[int]:
    """52 weekly commit counts, oldest first, zero outside created..pushed."""
    weeks = [0] * 52
    last = int(pushed_days // 7)  # weeks ago of the last push; weeks[51] is this week
    if last > 51:
        return weeks
    first = min(51, int((now - created).days // 7))
    pace = rng.choice((1, 1, 2, 3, 5, 8, 13)) if pushed_days < 90 else rng.choice((0, 1, 1, 2))
    for ago in range(last, first + 1):
        weeks[51 - ago] = rng.randint(0, 2 * pace)
    weeks[51 - last] = max(1, weeks[51 - last])  # the week of the last push has that commit
    return weeks


def _files(
    rng: random.Random,
    forge: str,
    name: str,
    domain: str,
    description: str,
    owners: list[str],
    primary: str,
) -> dict[str, str]:
    has = {word: rng.random() < share for word, share in FILE_SHARES.items()}
    secret_scan = has["ci"] and rng.random() < SECRET_SCAN_IN_CI
    files: dict[str, str] = {}
    if has["readme"]:
        about = description or f"The {domain} team's {name}."
        files["README.md"] = f"# {name}\n\n{about}\n\n## Usage\n\n    make run\n"
    if has["contributing"]:
        files["CONTRIBUTING.md"] = _CONTRIBUTING
    if has["codeowners"]:
        files["CODEOWNERS"] = "* " + " ".join(f"@{o}" for o in owners) + "\n"
    if has["license"]:
        files["LICENSE"] = license_text("NOASSERTION")
    if has["innersource"]:
        files["innersource.json"] = json.dumps(
            {"title": name, "motivation": description, "skills": [primary], "maintainers": owners}
        )
    if forge == "github":
        if has["ci"]:
            files[".github/workflows/ci.yml"] = GITHUB_CI
        if secret_scan:
            files[".github/workflows/secret-scan.yml"] = github_secret_scan("gitleaks")
        if has["templates"]:
            files[".github/ISSUE_TEMPLATE/bug_report.md"] = _ISSUE_TEMPLATE
            files[".github/pull_request_template.md"] = _CHANGE_TEMPLATE
    else:
        if has["ci"]:
            files[".gitlab-ci.yml"] = gitlab_ci("docker", secret_scan)
        if has["templates"]:
            files[".gitlab/issue_templates/Bug.md"] = _ISSUE_TEMPLATE
            files[".gitlab/merge_request_templates/Default.md"] = _CHANGE_TEMPLATE
    return files


def _issues(world: World, rng: random.Random, repo: FakeRepo, people: list[str]) -> None:
    """1-15 open issues (about one in six a good-first-issue, some assigned) and 0-3 open changes."""
    span = max(1, int((world.now - repo.created_at).total_seconds()))
    for _ in range(rng.randint(1, 15)):
        roll = rng.random()
        if roll < 0.15:
            labels = [rng.choice(GOOD_FIRST_ISSUE_LABELS)]
        elif roll < 0.7:
            labels = [rng.choice(_OTHER_LABELS)]
        else:
            labels = []
        opened = world.now - timedelta(seconds=rng.randrange(span))
        assignees = [rng.choice(people)] if rng.random() < 0.2 else []
        world.add_issue(repo, f"{rng.choice(_CHANGE_TITLES)} in {repo.name}", rng.choice(people),
                        labels, created_at=opened, assignees=assignees)  # fmt: skip
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
        opened = world.now - timedelta(seconds=rng.randrange(min(span, 60 * DAY)))
        world.add_pull(repo, rng.choice(_CHANGE_TITLES), rng.choice(people), created_at=opened)


def _merged(world: World, rng: random.Random, repo: FakeRepo, owners: list[str], people: list[str]) -> None:
    """0-4 changes merged in the 180 days before now (and before the last push), 0-2 reviews each."""
    start = max(repo.created_at, world.now - timedelta(days=180))
    span = max(1, int((repo.pushed_at - start).total_seconds()))
    for _ in range(rng.randint(0, 4)):
        merged_at = start + timedelta(seconds=rng.randrange(span))
        author = rng.choice(owners) if rng.random() < 0.5 else rng.choice(people)
        if rng.random() < 0.1:
            author = "dependabot[bot]" if repo.forge == "github" else "renovate-bot"
        created = max(repo.created_at, merged_at - timedelta(hours=rng.randint(1, 96)))
        pull = world.add_pull(repo, rng.choice(_CHANGE_TITLES), author, created_at=created,
                              state="merged", merged_at=merged_at)  # fmt: skip
        for reviewer in rng.sample(owners, min(len(owners), rng.randint(0, 2))):
            if reviewer != author:
                world.add_review(pull, reviewer, "APPROVED", merged_at - timedelta(minutes=5))


def touch_repos(world: World, fraction: float, *, seed: int) -> list[FakeRepo]:
    """Simulate a push on round(fraction * all repositories) listed, non-empty repositories.

    Each touched repository gets pushed_at/updated_at = world.now (or one second past its old
    value, should that not be earlier: the change marker must move), a commit in this week, and
    now and then a merged change. The returned repositories are exactly those a correct
    incremental crawl has to read again; advance `world.now` between rounds for realistic times.
    """
    rng = random.Random(seed)
    with world.lock:
        candidates = [r for r in world.repos if listed(r) and not r.empty]
        count = min(len(candidates), round(fraction * len(world.repos)))
        touched = rng.sample(candidates, count)
        people = [u.login for u in world.users.values() if not u.is_bot]
        for repo in touched:
            at = max(world.now, max(repo.pushed_at, repo.updated_at) + timedelta(seconds=1))
            repo.pushed_at = repo.updated_at = at
            repo.weekly_commits[-1] += 1
            if rng.random() < 0.3 and people:
                author = rng.choice(people)
                created = at - timedelta(hours=rng.randint(1, 48))
                world.add_pull(repo, rng.choice(_CHANGE_TITLES), author, created_at=created,
                               state="merged", merged_at=at)  # fmt: skip
        return touched
