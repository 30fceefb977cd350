"""Forge-neutral reading of a repository's file tree and of the few files the catalog opens.

Both adapters list the tree with one request, call `classify_tree`, then fetch only the files it
names (innersource.json, README, CODEOWNERS, CI configuration). Keeping the rules here means GitHub
and GitLab agree on what counts as a README, a contributing guide or a template.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

README_EXCERPT_CHARS = 4000
SECTION_CHARS = 4000  # a README section kept for the catalog (trusted committers): bounded for storage

_README = re.compile(r"^readme(\.[a-z0-9]+)?$", re.IGNORECASE)
_CONTRIBUTING = re.compile(r"^contributing(\.[a-z0-9]+)?$", re.IGNORECASE)
_LICENSE = re.compile(r"^(licen[cs]e|copying)([.-][a-z0-9.-]+)?$", re.IGNORECASE)
_ISSUE_TEMPLATE_FILE = re.compile(r"^issue_template(\.[a-z]+)?$", re.IGNORECASE)
_PR_TEMPLATE_FILE = re.compile(r"^pull_request_template(\.[a-z]+)?$", re.IGNORECASE)
_SECRET_SCANNERS = re.compile(r"gitleaks|trufflehog|trufflesecurity", re.IGNORECASE)
_GITLAB_SECRET_DETECTION = re.compile(
    r"Secret-Detection(\.latest)?\.gitlab-ci\.yml|secret_detection", re.IGNORECASE
)
_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(\s+#+)?\s*$")
_UNDERLINE = re.compile(r"^ {0,3}([=\-~^*+\"'`])\1*\s*$")  # Markdown setext, reStructuredText
_UNDERLINE_LEVELS = {"=": 1, "-": 2}  # other reStructuredText adornments count as deeper levels
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_TRUSTED_COMMITTERS_TITLE = re.compile(r"trusted[\s_-]*committers?", re.IGNORECASE)


@dataclass(frozen=True)
class TreeFacts:
    """Which of the files the catalog cares about a repository has (paths as in the tree)."""

    readme_path: str | None = None
    contributing_path: str | None = None
    codeowners_path: str | None = None
    license_path: str | None = None
    innersource_path: str | None = None
    issue_template: bool = False
    change_template: bool = False
    workflow_paths: tuple[str, ...] = ()  # GitHub Actions workflows
    ci_config_path: str | None = None  # GitLab .gitlab-ci.yml


def _first(candidates: list[tuple[int, str]]) -> str | None:
    """The best-ranked path: lower rank first (root before docs/ before the forge folder)."""
    return min(candidates)[1] if candidates else None


def classify_tree(paths: Iterable[str], forge: str) -> TreeFacts:
    """Classify a recursive (or root plus forge-folder) tree listing of the default branch."""
    forge_dir = ".github" if forge == "github" else ".gitlab"
    rank = {"": 0, "docs": 1, forge_dir: 2}
    readme: list[tuple[int, str]] = []
    contributing: list[tuple[int, str]] = []
    codeowners: list[tuple[int, str]] = []
    license_: list[tuple[int, str]] = []
    innersource = None
    issue_template = change_template = False
    workflows: list[str] = []
    ci_config = None
    for path in paths:
        folder, _, name = path.rpartition("/")
        lower_folder = folder.lower()
        if folder in rank:
            where = rank[folder]
            if _README.match(name):
                readme.append((where, path))
            elif _CONTRIBUTING.match(name):
                contributing.append((where, path))
            elif name == "CODEOWNERS":
                codeowners.append((where, path))
            elif _ISSUE_TEMPLATE_FILE.match(name):
                issue_template = True
            elif _PR_TEMPLATE_FILE.match(name):
                change_template = True
        if folder == "" and _LICENSE.match(name):
            license_.append((0, path))
        if path == "innersource.json":
            innersource = path
        if forge == "github":
            if lower_folder == ".github/issue_template":
                issue_template = True
            elif lower_folder == ".github/pull_request_template":
                change_template = True
            elif folder == ".github/workflows" and name.endswith((".yml", ".yaml")):
                workflows.append(path)
        else:
            if lower_folder == ".gitlab/issue_templates" and name.endswith(".md"):
                issue_template = True
            elif lower_folder == ".gitlab/merge_request_templates" and name.endswith(".md"):
                change_template = True
            elif path == ".gitlab-ci.yml":
                ci_config = path
    return TreeFacts(
        readme_path=_first(readme),
        contributing_path=_first(contributing),
        codeowners_path=_first(codeowners),
        license_path=_first(license_),
        innersource_path=innersource,
        issue_template=issue_template,
        change_template=change_template,
        workflow_paths=tuple(sorted(workflows)),
        ci_config_path=ci_config,
    )


def workflow_runs_secret_scanner(text: str) -> bool:
    """A GitHub Actions workflow that runs gitleaks or trufflehog."""
    return bool(_SECRET_SCANNERS.search(text))


def gitlab_ci_has_secret_detection(text: str) -> bool:
    """A .gitlab-ci.yml that includes GitLab's Secret-Detection template (or defines its job)."""
    return bool(_GITLAB_SECRET_DETECTION.search(text))


def _headings(lines: list[str]) -> list[tuple[int, int, int, str]]:
    """(first line, first body line, level, title) of each heading, outside fenced code blocks."""
    found: list[tuple[int, int, int, str]] = []
    fenced = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        if atx := _ATX_HEADING.match(line):
            found.append((i, i + 1, len(atx[1]), atx[2]))
        elif (
            i + 1 < len(lines)
            and line.strip()
            and len(lines[i + 1].strip()) >= 3
            and (underline := _UNDERLINE.match(lines[i + 1]))
            and not _ATX_HEADING.match(line)
            and not (found and found[-1][1] > i)  # this line is the underline of the heading before
        ):
            found.append((i, i + 2, _UNDERLINE_LEVELS.get(underline[1], 3), line.strip()))
    return found


def trusted_committers_section(readme: str) -> str | None:
    """The body of the README's "Trusted Committers" section (any heading level and case, Markdown
    or reStructuredText), up to the next heading of the same or a higher level; None without one."""
    lines = readme.splitlines()
    headings = _headings(lines)
    for n, (_, body, level, title) in enumerate(headings):
        if _TRUSTED_COMMITTERS_TITLE.fullmatch(re.sub(r"[^\w\s-]", "", title).strip()):
            end = next((start for start, _, deeper, _ in headings[n + 1 :] if deeper <= level), len(lines))
            return "\n".join(lines[body:end]).strip()[:SECTION_CHARS]
    return None


def readme_excerpt(text: str) -> str:
    """The README's opening: enough for search and a detail card, bounded for storage."""
    return text[:README_EXCERPT_CHARS]


def parse_innersource_json(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """Parse innersource.json (SAP portal format). Returns (data, None) or (None, reason)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"innersource.json is not valid JSON ({exc.msg} at line {exc.lineno})"
    if not isinstance(data, dict):
        return None, "innersource.json must hold a JSON object"
    return data, None
