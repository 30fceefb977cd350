"""Code search of the fake GitHub (`GET /search/code?q=...`): queries and result items.

The query language is the part the bot uses: `org:`/`user:`, `repo:`, `path:` (the file path starts
with it: GitHub's legacy code search matches a directory and everything below it), `filename:`,
`extension:`, `in:` (accepted, ignored) and free terms. Every term must occur in the file, case-
insensitively; GitHub matches whole tokens, but for the names the bot looks for (gitleaks,
trufflehog) a substring finds the same files. As on GitHub, a query without a term is a 422, only
default-branch files are searched, and an empty repository has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote

from bot.sandbox.forge import github_git_shapes as git
from bot.sandbox.forge.github_shapes import JSON, git_sha, repo_json, web_root
from bot.sandbox.forge.world import FakeRepo, World

_TOKEN = re.compile(r'-?[\w.-]+:"[^"]*"|-?[\w.-]+:\S+|"[^"]*"|\S+')
_KNOWN = {"org", "user", "repo", "path", "filename", "extension", "in"}


class QueryError(ValueError):
    """GitHub answers 422 Validation Failed."""


@dataclass
class CodeQuery:
    owners: set[str] = field(default_factory=set)  # lower-cased org/user logins
    repos: set[str] = field(default_factory=set)  # lower-cased full names
    paths: list[str] = field(default_factory=list)  # path prefixes, any of them
    filenames: set[str] = field(default_factory=set)
    extensions: set[str] = field(default_factory=set)
    terms: list[str] = field(default_factory=list)  # lower-cased; all must occur

    def searches(self, repo: FakeRepo) -> bool:
        if repo.forge != "github" or repo.empty:
            return False
        if self.owners and repo.namespace.lower() not in self.owners:
            return False
        return not self.repos or repo.full_name.lower() in self.repos

    def matches(self, path: str, text: str) -> bool:
        name = path.rpartition("/")[2]
        if self.paths and not any(_under(path, prefix) for prefix in self.paths):
            return False
        if self.filenames and name.lower() not in self.filenames:
            return False
        if self.extensions and name.rpartition(".")[2].lower() not in self.extensions:
            return False
        lower = text.lower()
        return all(term in lower for term in self.terms)


def _under(path: str, prefix: str) -> bool:
    """`path:a/b` finds a/b/x.yml and a/b/c/y.yml; `path:/` is the root folder."""
    prefix = prefix.strip("/")
    return prefix == "" or path == prefix or path.startswith(prefix + "/")


def parse(q: str) -> CodeQuery:
    query = CodeQuery()
    for token in _TOKEN.findall(q):
        key, sep, value = token.partition(":")
        if not sep or key.lower() not in _KNOWN:
            query.terms.append(token.strip('"').lower())
            continue
        key, value = key.lower(), value.strip('"')
        if key in ("org", "user"):
            query.owners.add(value.lower())
        elif key == "repo":
            query.repos.add(value.lower())
        elif key == "path":
            query.paths.append(value)
        elif key == "filename":
            query.filenames.add(value.lower())
        elif key == "extension":
            query.extensions.add(value.lower().lstrip("."))
    if not query.terms:
        raise QueryError("Must include at least one search term.")
    return query


def search(world: World, query: CodeQuery) -> list[tuple[FakeRepo, str]]:
    """Matching (repository, path) pairs in a stable order, so pages do not overlap."""
    found = [
        (repo, path)
        for repo in world.repos
        if query.searches(repo)
        for path, text in sorted(repo.files.items())
        if query.matches(path, text)
    ]
    found.sort(key=lambda pair: (pair[0].full_name.lower(), pair[1]))
    return found


def item_json(world: World, repo: FakeRepo, path: str, base_url: str) -> JSON:
    """`code-search-result-item`: GitHub addresses the file by repository id and commit."""
    sha = git_sha(repo.files[path])
    commit = git.root_tree_sha(repo)  # the fake has no commits; the root tree id stands in
    by_id = f"{base_url}/repositories/{repo.id}"
    return {
        "name": path.rpartition("/")[2],
        "path": path,
        "sha": sha,
        "url": f"{by_id}/contents/{quote(path)}?ref={commit}",
        "git_url": f"{by_id}/git/blobs/{sha}",
        "html_url": f"{web_root(base_url)}/{repo.full_name}/blob/{commit}/{quote(path)}",
        "repository": repo_json(world, repo, base_url),
        "score": 1.0,
    }
