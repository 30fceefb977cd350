"""The fake forge's webhooks: payloads built from the World, signed and POSTed as GitHub and GitLab do.

Shapes follow the forges' published examples (octokit/webhooks `issues.*`; GitLab's "Issue Hook"),
their objects made by the same shape modules the fake REST APIs use, so a webhook and a later API
read agree. Headers are the forges' own: GitHub's X-GitHub-Event, X-GitHub-Delivery and
X-Hub-Signature-256 (HMAC-SHA256 of the exact body); GitLab's X-Gitlab-Event, X-Gitlab-Token,
X-Gitlab-Event-UUID and Idempotency-Key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from bot.sandbox.forge import github_issue_shapes as github_issues
from bot.sandbox.forge import github_shapes, gitlab_shapes
from bot.sandbox.forge.world import FakeIssue, FakeRepo, World

GITHUB_PATH = "/webhooks/github"
GITLAB_PATH = "/webhooks/gitlab"
_TIMEOUT = 10.0
# GitLab's Issue Hook `action` for each state change; GitHub names the same changes `issues.<action>`.
_GITLAB_ACTIONS = {"opened": "open", "closed": "close", "reopened": "reopen"}


def sign(secret: str, body: bytes) -> str:
    """GitHub's X-Hub-Signature-256 for `body`, computed the way GitHub documents it."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Delivery:
    """One webhook as sent, and the bot's answer."""

    forge: str
    event: str  # e.g. "issues.opened", "Issue Hook (open)"
    delivery_id: str
    status: int  # HTTP status; 0 when the bot could not be reached
    answer: dict[str, Any]


# -- payloads --------------------------------------------------------------------------------------
def github_issue_payload(
    world: World, repo: FakeRepo, issue: FakeIssue, action: str, api_url: str, label: str | None = None
) -> dict[str, Any]:
    """An `issues` event (opened, labeled, closed, …); `api_url` is the fake's ".../api/v3"."""
    payload: dict[str, Any] = {
        "action": action,
        "issue": github_issues.issue_json(world, repo, issue, api_url),
    }
    if label is not None:  # labeled/unlabeled name the label that changed
        payload["label"] = github_issues.label_json(repo, label, api_url)
    payload["repository"] = github_shapes.repo_json(world, repo, api_url)
    payload["organization"] = {"login": repo.namespace, "id": github_shapes.stable_id(repo.namespace)}
    payload["sender"] = github_shapes.user_json(world, issue.author, api_url)
    return payload


def gitlab_issue_payload(
    world: World, repo: FakeRepo, issue: FakeIssue, action: str, gitlab_url: str
) -> dict[str, Any]:
    """An Issue Hook; `action` is GitLab's (open, update, close, reopen); `gitlab_url` the web root."""
    api = f"{gitlab_url}/api/v4"
    project = gitlab_shapes.project(repo, api)
    author = gitlab_shapes.user(world, issue.author, api)
    assignees = [gitlab_shapes.user(world, login, api) for login in issue.assignees]
    labels = [_gitlab_label(repo, name, issue) for name in issue.labels]
    attributes = {
        "id": issue.id,
        "iid": issue.number,
        "title": issue.title,
        "description": issue.body,
        "author_id": author["id"],
        "project_id": repo.id,
        "assignee_ids": [a["id"] for a in assignees],
        "assignee_id": assignees[0]["id"] if assignees else None,
        "created_at": _hook_time(issue.created_at),
        "updated_at": _hook_time(issue.updated_at),
        "state": "opened" if issue.state == "open" else "closed",
        "confidential": False,
        "type": "Issue",
        "url": f"{project['web_url']}/-/issues/{issue.number}",
        "action": action,
        "labels": labels,
    }
    return {
        "object_kind": "issue",
        "event_type": "issue",
        "user": {**_hook_user(author), "email": "[REDACTED]"},
        "project": {
            "id": repo.id,
            "name": repo.name,
            "description": repo.description,
            "web_url": project["web_url"],
            "avatar_url": None,
            "git_ssh_url": project["ssh_url_to_repo"],
            "git_http_url": project["http_url_to_repo"],
            "namespace": repo.namespace.rpartition("/")[2],
            "visibility_level": {"private": 0, "internal": 10, "public": 20}[repo.visibility],
            "path_with_namespace": repo.full_name,
            "default_branch": repo.default_branch,
            "ci_config_path": None,
            "homepage": project["web_url"],
            "url": project["ssh_url_to_repo"],
            "ssh_url": project["ssh_url_to_repo"],
            "http_url": project["http_url_to_repo"],
        },
        "object_attributes": attributes,
        "repository": {
            "name": repo.name,
            "url": project["ssh_url_to_repo"],
            "description": repo.description,
            "homepage": project["web_url"],
        },
        "assignees": [_hook_user(a) for a in assignees],
        "assignee": _hook_user(assignees[0]) if assignees else None,
        "labels": labels,
        "changes": {},
    }


def _hook_user(user: dict[str, Any]) -> dict[str, Any]:
    return {"id": user["id"], "name": user["name"], "username": user["username"], "avatar_url": None}


def _gitlab_label(repo: FakeRepo, name: str, issue: FakeIssue) -> dict[str, Any]:
    return {
        "id": gitlab_shapes.stable_id(f"{repo.full_name}~{name}", 6_000_000),
        "title": name,
        "color": "#6699cc",
        "project_id": repo.id,
        "created_at": _hook_time(issue.created_at),
        "updated_at": _hook_time(issue.created_at),
        "template": False,
        "description": None,
        "type": "ProjectLabel",
        "group_id": None,
    }


def _hook_time(at: Any) -> str:
    return str(at.strftime("%Y-%m-%dT%H:%M:%SZ"))


# -- sending ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WebhookSender:
    """Delivers the World's issue events to a bot listening at `bot_url` (e.g. http://127.0.0.1:PORT)."""

    world: World
    bot_url: str
    github_api_url: str  # the fake forge's, for the URLs inside payloads
    gitlab_url: str
    github_secret: str | None
    gitlab_secret: str | None

    def issue_event(
        self, repo: FakeRepo, issue: FakeIssue, action: str, label: str | None = None
    ) -> Delivery:
        """`action` in GitHub's words (opened, labeled, closed, reopened…); GitLab gets its own."""
        with self.world.lock:
            if repo.forge == "github":
                payload = github_issue_payload(self.world, repo, issue, action, self.github_api_url, label)
            else:
                gitlab_action = _GITLAB_ACTIONS.get(action, "update")
                payload = gitlab_issue_payload(self.world, repo, issue, gitlab_action, self.gitlab_url)
        if repo.forge == "github":
            return self.send_github("issues", payload)
        return self.send_gitlab("Issue Hook", payload)

    def send_github(self, event: str, payload: dict[str, Any]) -> Delivery:
        body = json.dumps(payload).encode()
        delivery = str(uuid.uuid4())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/sandbox",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery,
            "X-GitHub-Hook-ID": "1",
        }
        if self.github_secret:
            headers["X-Hub-Signature-256"] = sign(self.github_secret, body)
        name = f"{event}.{payload['action']}" if payload.get("action") else event
        return self._post("github", GITHUB_PATH, name, delivery, body, headers)

    def send_gitlab(self, event: str, payload: dict[str, Any]) -> Delivery:
        body = json.dumps(payload).encode()
        delivery = str(uuid.uuid4())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "GitLab/17.5.0",
            "X-Gitlab-Event": event,
            "X-Gitlab-Event-UUID": delivery,
            "X-Gitlab-Webhook-UUID": str(uuid.uuid5(uuid.NAMESPACE_URL, self.bot_url)),
            "Idempotency-Key": str(uuid.uuid4()),
            "X-Gitlab-Instance": self.gitlab_url,
        }
        if self.gitlab_secret:
            headers["X-Gitlab-Token"] = self.gitlab_secret
        action = (payload.get("object_attributes") or {}).get("action")
        name = f"{event} ({action})" if action else event
        return self._post("gitlab", GITLAB_PATH, name, delivery, body, headers)

    def _post(
        self, forge: str, path: str, name: str, delivery: str, body: bytes, headers: dict[str, str]
    ) -> Delivery:
        request = urllib.request.Request(self.bot_url + path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT) as answer:
                status, raw = int(answer.status), answer.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        except (urllib.error.URLError, OSError) as error:
            return Delivery(forge, name, delivery, 0, {"detail": str(getattr(error, "reason", error))})
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            parsed = {"detail": raw.decode(errors="replace")}
        return Delivery(forge, name, delivery, status, parsed if isinstance(parsed, dict) else {})
