"""GitHub REST shapes of repository content for the fake forge: contents, directories, git trees.

Blob and tree ids are computed the way git computes them, so they change exactly when content does.
"""

from __future__ import annotations

import base64

from bot.sandbox.forge.github_shapes import JSON, git_sha, web_root
from bot.sandbox.forge.world import FakeRepo


def _content_links(repo: FakeRepo, path: str, kind: str, sha: str, base_url: str) -> JSON:
    api = f"{base_url}/repos/{repo.full_name}"
    self_url = f"{api}/contents/{path}?ref={repo.default_branch}"
    git_kind = "blobs" if kind == "file" else "trees"
    html_kind = "blob" if kind == "file" else "tree"
    html = f"{web_root(base_url)}/{repo.full_name}/{html_kind}/{repo.default_branch}/{path}"
    git = f"{api}/git/{git_kind}/{sha}"
    return {
        "url": self_url,
        "git_url": git,
        "html_url": html,
        "download_url": f"{web_root(base_url)}/raw/{repo.full_name}/{repo.default_branch}/{path}"
        if kind == "file"
        else None,
        "_links": {"self": self_url, "git": git, "html": html},
    }


def content_file_json(repo: FakeRepo, path: str, base_url: str) -> JSON:
    """`content-file`: base64 wrapped at 60 characters per line, as GitHub sends it."""
    text = repo.files[path]
    encoded = base64.b64encode(text.encode()).decode()
    wrapped = "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n"
    sha = git_sha(text)
    return {
        "type": "file",
        "encoding": "base64",
        "size": len(text.encode()),
        "name": path.rpartition("/")[2],
        "path": path,
        "content": wrapped,
        "sha": sha,
        **_content_links(repo, path, "file", sha, base_url),
    }


def directories(repo: FakeRepo) -> set[str]:
    """Directories implied by the file paths (git stores no empty directories)."""
    found: set[str] = set()
    for path in repo.files:
        parts = path.split("/")[:-1]
        found.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return found


def directory_json(repo: FakeRepo, folder: str, base_url: str) -> list[JSON]:
    """`content-directory`: the direct children of `folder` ("" for the root)."""
    prefix = f"{folder}/" if folder else ""
    entries: list[JSON] = []
    children = {p for p in repo.files if p.startswith(prefix) and "/" not in p[len(prefix) :]}
    subdirs = {d for d in directories(repo) if d.startswith(prefix) and "/" not in d[len(prefix) :]}
    for path in sorted(children | subdirs):
        kind = "file" if path in children else "dir"
        sha = git_sha(repo.files[path] if kind == "file" else path)
        size = len(repo.files[path].encode()) if kind == "file" else 0
        name = path.rpartition("/")[2]
        links = _content_links(repo, path, kind, sha, base_url)
        entries.append({"type": kind, "size": size, "name": name, "path": path, "sha": sha, **links})
    return entries


def tree_json(repo: FakeRepo, base_url: str, *, recursive: bool) -> JSON:
    """`git-tree` of the default branch; directories appear as `tree` entries, as in git."""
    api = f"{base_url}/repos/{repo.full_name}/git"
    entries: list[JSON] = []
    for path in sorted(repo.files):
        if recursive or "/" not in path:
            sha = git_sha(repo.files[path])
            size = len(repo.files[path].encode())
            entries.append(
                {
                    "path": path,
                    "mode": "100644",
                    "type": "blob",
                    "sha": sha,
                    "size": size,
                    "url": f"{api}/blobs/{sha}",
                }
            )
    for folder in sorted(directories(repo)):
        if recursive or "/" not in folder:
            sha = git_sha(f"tree {folder}")
            entries.append(
                {"path": folder, "mode": "040000", "type": "tree", "sha": sha, "url": f"{api}/trees/{sha}"}
            )
    entries.sort(key=lambda e: str(e["path"]))
    root_sha = root_tree_sha(repo)
    return {"sha": root_sha, "url": f"{api}/trees/{root_sha}", "tree": entries, "truncated": False}


def root_tree_sha(repo: FakeRepo) -> str:
    """Changes whenever a path or a file's content does, as a git tree id would."""
    return git_sha("\n".join(f"{path} {git_sha(text)}" for path, text in sorted(repo.files.items())))
