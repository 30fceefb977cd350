"""The bundled sample organisation the sandbox serves: GitHub org "acme", GitLab group "platform".

`build_sample_world(now)` turns the tables in `sample_data.py` into a World: repositories with
realistic files (README, CONTRIBUTING, CODEOWNERS, innersource.json, templates, CI), weekly
commits, good-first-issues, six months of merged changes with reviews (the history contributor
progression reads), and open changes. It is deterministic: every random choice comes from a
generator seeded with the project's path, so two builds with the same `now` are equal and adding a
project does not reshuffle the others.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

from bot.sandbox.forge import sample_data as data
from bot.sandbox.forge.sample_data import ProjectSpec
from bot.sandbox.forge.world import FakePull, FakeRepo, World

GITHUB_ORG = "acme"
GITLAB_GROUPS = ("platform", "platform/security", "platform/ci-cd")
MERGE_WINDOW = timedelta(days=180)  # the progression look-back: merged changes land inside it


def build_sample_world(now: datetime) -> World:
    world = World(now=now)
    world.github_orgs = [GITHUB_ORG]
    world.gitlab_groups = list(GITLAB_GROUPS)
    for login, name, email in data.USERS:
        world.add_user(login, name, email)
    world.add_user(data.GITHUB_BOT, "Dependabot", bot=True)
    world.add_user(data.GITLAB_BOT, "Renovate Bot", bot=True)
    for spec in data.PROJECTS:
        _add_project(world, spec)
    return world


def _add_project(world: World, spec: ProjectSpec) -> FakeRepo:
    rng = random.Random(spec.path)  # str seeds are stable across runs (unlike hash())
    namespace, _, name = spec.path.rpartition("/")
    created = world.now - timedelta(days=spec.age, hours=rng.randint(1, 20))
    pushed = max(created, world.now - timedelta(days=spec.pushed, hours=rng.randint(1, 10)))
    has_license = "license" in spec.kit and not spec.empty
    repo = world.new_repo(
        spec.forge,
        namespace,
        name,
        description=spec.description,
        created_at=created,
        pushed_at=pushed,
        topics=list(spec.topics),
        visibility=spec.visibility,
        archived=spec.archived,
        fork=spec.fork,
        empty=spec.empty,
        default_branch=spec.branch,
        languages={} if spec.empty else dict(spec.langs),
        stars=spec.stars,
        forks=spec.forks,
        watchers=spec.watchers if spec.forge == "github" else 0,  # GitLab has no watchers
        weekly_commits=weekly_commits(rng, spec.pace, created, pushed, world.now, spec.empty),
        files={} if spec.empty else project_files(spec),
        secret_scanning="scanning" in spec.kit,
        license_spdx=spec.license if has_license and spec.forge == "github" else None,
    )
    if not spec.empty:
        _merged_changes(world, repo, spec, rng)
        _issues(world, repo, spec, rng)
        _open_changes(world, repo, spec, rng)
    return repo


def weekly_commits(
    rng: random.Random, pace: float, created: datetime, pushed: datetime, now: datetime, empty: bool
) -> list[int]:
    """52 weekly counts, oldest first: none before creation or after the last push."""
    weeks = [0] * 52
    if empty:
        return weeks
    for i in range(52):
        week_end = now - timedelta(weeks=51 - i)  # weeks[-1] is the week ending now
        week_start = week_end - timedelta(weeks=1)
        if week_end < created or week_start > pushed:
            continue
        weeks[i] = max(0, round(rng.gauss(pace, pace * 0.5))) if pace else 0
        if week_start <= pushed <= week_end:
            weeks[i] = max(weeks[i], 1)  # the week of the last push has at least that commit
    return weeks


# -- files ----------------------------------------------------------------------------------------
_ACRONYMS = {"adr": "ADR", "api": "API", "cli": "CLI", "ios": "iOS", "oidc": "OIDC", "sdk": "SDK",
             "sre": "SRE", "ci": "CI", "v3": "v3", "eslint": "ESLint", "graphql": "GraphQL"}  # fmt: skip


def title_of(spec: ProjectSpec) -> str:
    """The display title: `spec.title`, else the name in words ("mobile-sdk-ios" -> "Mobile SDK iOS")."""
    name = spec.path.rpartition("/")[2]
    return spec.title or " ".join(_ACRONYMS.get(w, w.title()) for w in name.split("-"))


def _primary(spec: ProjectSpec) -> str:
    return max(spec.langs, key=spec.langs.__getitem__) if spec.langs else ""


def _install(spec: ProjectSpec) -> str:
    name = spec.path.rpartition("/")[2]
    host = "github.com" if spec.forge == "github" else "gitlab.acme.example"
    return {
        "TypeScript": f"npm install @acme/{name}",
        "JavaScript": f"npm install @acme/{name}",
        "Python": f"pip install acme-{name}",
        "Go": f"go get {host}/{spec.path}",
        "Java": f'implementation("com.acme:{name}:<version>")',
        "Kotlin": f'implementation("com.acme:{name}:<version>")',
        "Swift": f'.package(url: "https://{host}/{spec.path}", from: "2.0.0")',
        "HCL": f'source = "git::https://{host}/{spec.path}.git//modules/vpc?ref=v4.2.0"',
        "YAML": f"include:\n  - project: {spec.path}\n    file: /templates/python.yml",
        "Open Policy Agent": "opa test policies/ -v",
    }.get(_primary(spec), "make dev")


def _channel(spec: ProjectSpec) -> str:
    return "#" + spec.path.rpartition("/")[2]


def _readme(spec: ProjectSpec, rst: bool) -> str:
    title = title_of(spec)
    heading = f"{title}\n{'=' * len(title)}" if rst else f"# {title}"

    def sub(text: str) -> str:  # a section heading in reStructuredText or Markdown
        return f"{text}\n{'-' * len(text)}" if rst else f"## {text}"

    intro = spec.intro or spec.description or "Work in progress."
    parts = [heading, intro, sub("Getting started"), "    " + _install(spec).replace("\n", "\n    ")]
    if "contributing" in spec.kit:
        parts += [sub("Contributing"), f"See CONTRIBUTING. Questions: {_channel(spec)} on Slack."]
    return "\n\n".join(parts) + "\n"


def _contributing(spec: ProjectSpec) -> str:
    change = "pull request" if spec.forge == "github" else "merge request"
    owners = ", ".join("@" + m for m in spec.listed_maintainers) or "the platform team"
    return (
        f"# Contributing to {title_of(spec)}\n\n"
        f"Everyone at Acme is welcome to contribute. The maintainers are {owners}.\n\n"
        "## How we work\n"
        f"1. Pick an issue labelled `{data.GFI}`, or open one to discuss your idea first.\n"
        f"2. Branch, make your change with tests, and open a {change}.\n"
        "3. A maintainer answers within two working days; CI must be green to merge.\n\n"
        f"## Local setup\n\n    {_install(spec)}\n\n"
        f"## Questions\nAsk in {_channel(spec)}.\n"
    )


def _codeowners(spec: ProjectSpec) -> str:
    org = spec.path.split("/")[0]
    team = f"@{org}/{spec.team} " if spec.team else ""
    return (
        f"# Maintainers of {title_of(spec)}\n* {team}{' '.join('@' + m for m in spec.listed_maintainers)}\n"
    )


def _innersource(spec: ProjectSpec) -> str:
    name = spec.path.rpartition("/")[2]
    return json.dumps(
        {
            "title": title_of(spec),
            "motivation": spec.motivation or spec.description,
            "contributions": ["Issues", "Pull Requests", "Documentation"],
            "skills": list(spec.skills),
            "logo": f"https://assets.acme.example/logos/{name}.svg",
            "docs": f"https://docs.acme.example/{name}",
            "language": _primary(spec),
            "maintainers": list(spec.listed_maintainers),
            **({"trustedCommitters": list(spec.trusted)} if spec.trusted else {}),
            # Not an SAP portal key: the bot shows it on the project card as the chat channel.
            **({"chat": f"#{spec.team}"} if spec.team else {}),
        },
        indent=2,
        ensure_ascii=False,
    )


def license_text(spdx: str) -> str:
    if spdx == "Apache-2.0":
        return "Apache License\nVersion 2.0, January 2004\nhttp://www.apache.org/licenses/\n"
    if spdx == "MIT":
        return "MIT License\n\nCopyright (c) Acme Corp.\n\nPermission is hereby granted, ...\n"
    return "Copyright (c) Acme Corp. All rights reserved.\nInternal use only (InnerSource licence).\n"


GITHUB_CI = (
    "name: CI\non: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
    "    steps:\n      - uses: actions/checkout@v4\n      - run: make test\n"
)
GITHUB_SCANNERS = {
    "gitleaks": "gitleaks/gitleaks-action@v2",
    "trufflehog": "trufflesecurity/trufflehog@v3.82.13",
}


def github_secret_scan(scanner: str = "gitleaks") -> str:
    return (
        "name: Secret scan\non: [push, pull_request]\njobs:\n  scan:\n"
        "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        f"        with:\n          fetch-depth: 0\n      - uses: {GITHUB_SCANNERS[scanner]}\n"
    )


def gitlab_ci(stack: str, secret_detection: bool) -> str:
    text = (
        "stages: [build, test, deploy]\n\ninclude:\n"
        f"  - project: platform/ci-cd/pipeline-templates\n    file: /templates/{stack}.yml\n"
    )
    if secret_detection:
        text += "  - template: Security/Secret-Detection.gitlab-ci.yml\n"
    return text


def _stack(spec: ProjectSpec) -> str:
    return {"Python": "python", "Go": "go", "TypeScript": "node", "JavaScript": "node",
            "Java": "jvm", "Kotlin": "jvm"}.get(_primary(spec), "docker")  # fmt: skip


def project_files(spec: ProjectSpec) -> dict[str, str]:
    """The default branch's files for the project's kit, at their usual (or overridden) paths."""
    kit, github = spec.kit, spec.forge == "github"
    files: dict[str, str] = {}

    def put(word: str, default_path: str, text: str) -> None:
        if word in kit:
            files[spec.paths.get(word, default_path)] = text

    readme_path = spec.paths.get("readme", "README.md")
    put("readme", readme_path, _readme(spec, rst=readme_path.endswith(".rst")))
    put("contributing", "CONTRIBUTING.md", _contributing(spec))
    put("codeowners", "CODEOWNERS", _codeowners(spec))
    put("license", "LICENSE", license_text(spec.license))
    if "innersource" in kit:
        files["innersource.json"] = spec.innersource_text or _innersource(spec)
    if github:
        bug = "---\nname: Bug report\nlabels: bug\n---\n\n**What happened?**\n"
        put("issue_template", ".github/ISSUE_TEMPLATE/bug_report.md", bug)
        put("change_template", ".github/pull_request_template.md", "## What and why\n\n- [ ] Tests\n")
        put("ci", ".github/workflows/ci.yml", GITHUB_CI)
        put("secrets", ".github/workflows/secret-scan.yml", github_secret_scan(spec.scanner))
    else:
        put("issue_template", ".gitlab/issue_templates/Bug.md", "## Summary\n\n## Steps to reproduce\n")
        put("change_template", ".gitlab/merge_request_templates/Default.md", "## What and why\n")
        if kit & {"ci", "secrets"}:
            files[".gitlab-ci.yml"] = gitlab_ci(_stack(spec), "secrets" in kit)
    files.update(spec.extra_files)
    return files


# -- issues and changes ---------------------------------------------------------------------------
def _titles(spec: ProjectSpec) -> tuple[str, ...]:
    return data.CHANGE_TITLES + data.LANG_TITLES.get(_primary(spec), ())


def _bump_title(spec: ProjectSpec) -> str:
    langs = sorted(spec.langs, key=lambda lang: -spec.langs[lang])
    dep, old, new = next((data.BUMPS[lang] for lang in langs if lang in data.BUMPS),
                         ("actions/checkout", "4.1.7", "4.2.1"))  # fmt: skip
    return f"Bump {dep} from {old} to {new}"


def _merged_changes(world: World, repo: FakeRepo, spec: ProjectSpec, rng: random.Random) -> None:
    """Merged changes spread over the 180 days before the last push, each reviewed 0-2 times."""
    people = spec.contributors + spec.maintainers
    authors = [rng.choice(people) for _ in range(spec.merged)] if people else []
    for login, count in spec.authored.items():
        authors += [login] * count
    bot = data.GITHUB_BOT if spec.forge == "github" else data.GITLAB_BOT
    authors += [bot] * (3 if spec.bots else 0)
    rng.shuffle(authors)
    start = max(repo.created_at, repo.pushed_at - MERGE_WINDOW)
    span = repo.pushed_at - start
    pool = spec.maintainers + spec.reviewers
    turn = 0  # reviewers take turns, so everyone in the pool reviews a fair share
    for i, author in enumerate(authors):
        merged_at = start + span * (i + 1) / len(authors)
        created = max(repo.created_at, merged_at - timedelta(hours=rng.randint(2, 120)))
        is_bot = author == bot
        title = _bump_title(spec) if is_bot else rng.choice(_titles(spec))
        pull = world.add_pull(repo, title, author, created_at=created, state="merged",
                              merged_at=merged_at)  # fmt: skip
        reviewers = [r for r in pool if r != author]
        if not reviewers or (not is_bot and rng.random() < 0.15):
            continue  # a maintainer merged without review: realistic, and tests the zero case
        first = reviewers[turn % len(reviewers)]
        turn += 1
        if not is_bot and len(reviewers) > 1 and rng.random() < 0.4:
            second = reviewers[turn % len(reviewers)]
            world.add_review(pull, first, "COMMENTED", created + (merged_at - created) / 3)
            world.add_review(pull, second, "APPROVED", merged_at - timedelta(minutes=10))
        else:
            world.add_review(pull, first, "APPROVED", merged_at - timedelta(minutes=10))
    _extra_reviews(world, repo, spec)
    _first_contributions(world, repo, spec)


def _extra_reviews(world: World, repo: FakeRepo, spec: ProjectSpec) -> None:
    """`spec.reviews`: each login reviews that many of the latest reviewed changes by others, last
    (so the first response stays the generated one): an approval from a maintainer, else a comment."""
    merged = sorted(
        (p for p in repo.pulls if p.state == "merged" and p.reviews),
        key=lambda p: p.merged_at or p.created_at,
    )
    for login, count in spec.reviews.items():
        state = "APPROVED" if login in spec.listed_maintainers else "COMMENTED"
        for pull in [p for p in merged if p.author != login][-count:]:
            assert pull.merged_at is not None
            world.add_review(pull, login, state, pull.merged_at - timedelta(minutes=5))


def _first_contributions(world: World, repo: FakeRepo, spec: ProjectSpec) -> None:
    """`spec.first_timers`: people whose first merged changes landed in the last weeks, a maintainer's
    comment within hours and approval before merging."""
    for login, count in spec.first_timers.items():
        for i in range(count):
            merged_at = repo.pushed_at - timedelta(days=6 + 4 * i, hours=3)
            created = merged_at - timedelta(days=2)
            pull = world.add_pull(repo, _titles(spec)[i % len(_titles(spec))], login, created_at=created,
                                  state="merged", merged_at=merged_at)  # fmt: skip
            if spec.maintainers:
                world.add_review(pull, spec.maintainers[0], "COMMENTED", created + timedelta(hours=4))
                world.add_review(pull, spec.maintainers[0], "APPROVED", merged_at - timedelta(minutes=10))


def _issues(world: World, repo: FakeRepo, spec: ProjectSpec, rng: random.Random) -> None:
    for item in spec.issues:
        opened = max(repo.created_at, world.now - timedelta(days=item.age, hours=rng.randint(1, 9)))
        author = item.author or (spec.maintainers[0] if spec.maintainers else "alice")
        found = world.add_issue(
            repo,
            item.title,
            author,
            list(item.labels),
            created_at=opened,
            assignees=[item.assignee] if item.assignee else [],
            body=f"{item.title}.\n\nHappy to pair on this: ask in {_channel(spec)}.",
        )
        if item.closed:
            found.state = "closed"
            found.updated_at = min(world.now, opened + timedelta(days=3))
            repo.updated_at = max(repo.updated_at, found.updated_at)


def _open_changes(world: World, repo: FakeRepo, spec: ProjectSpec, rng: random.Random) -> None:
    """Open changes, for time to first response: the first waits for an answer; the second has a
    maintainer's answer after some hours (a review on GitHub, a comment on GitLab); the third only a
    bot's comment, which is no answer."""
    bot = data.GITHUB_BOT if spec.forge == "github" else data.GITLAB_BOT
    for i, author in enumerate(spec.open_prs):
        opened = world.now - timedelta(days=2 * i + 1, hours=rng.randint(1, 9))
        pull: FakePull = world.add_pull(repo, rng.choice(_titles(spec)), author, created_at=opened)
        if i == 1 and spec.maintainers:
            answered = opened + timedelta(hours=(5, 26, 3)[sum(map(ord, spec.path)) % 3])
            if spec.forge == "github":
                world.add_review(pull, spec.maintainers[0], "COMMENTED", answered)
            else:
                world.add_comment(pull, spec.maintainers[0], answered, "Thanks! One question inline.")
        elif i == 2:
            world.add_comment(pull, bot, opened + timedelta(minutes=10), "Checks passed.")
