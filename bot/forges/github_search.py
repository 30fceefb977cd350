"""GitHub's search API for the adapter: org-wide issue queries and the code search for CI scanners.

Search answers at most 1,000 results per query (later pages are a 422, not an empty page), so an
issue query whose `total_count` is over that is split into two halves of its date range, again and
again, until each part fits. Code search cannot be split by date; when it is over the cap or GitHub
says the results are incomplete, `workflows_mentioning` raises and the adapter reads the workflow
files instead. Results that cannot be read completely raise ForgeError rather than come back short:
the catalog takes the org-wide good-first-issue list as the truth, so a short list would close
issues that are still open.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from bot.forges import github_records as records
from bot.forges.base import ForgeError, Issue
from bot.forges.github_transport import Reply, Transport

SEARCH_CAP = 1000  # GitHub search returns at most this many results per query
# Lower bound of a "created" window: not GitHub's launch, as migrated issues keep older dates.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_STAMP = "%Y-%m-%dT%H:%M:%SZ"
_PLAIN = re.compile(r"[\w.-]+")  # a qualifier value ends at a space: anything else needs quotes


def label_qualifier(label: str) -> str:
    return f"label:{label}" if _PLAIN.fullmatch(label) else f'label:"{label}"'


def _results(reply: Reply, what: str) -> Mapping[str, Any]:
    data = reply.data
    if reply.status != 200 or not isinstance(data, Mapping) or not isinstance(data.get("items"), list):
        raise ForgeError(f"GitHub search {what}: unexpected {reply.status} answer")
    if data.get("incomplete_results"):  # GitHub ran out of time: a part of the matches is missing
        raise ForgeError(f"GitHub search {what}: incomplete results")
    return data


def issues(
    http: Transport,
    api: str,
    query: str,
    field: str,
    window: tuple[datetime, datetime | None],
    now: Callable[[], datetime],
) -> Iterator[Issue]:
    """Issues (never PRs) matching `query` whose `field` ("updated"/"created") lies in the window.

    The window is [start, end], both inclusive; end None is open-ended, so whatever happens while
    the query runs is still inside it.
    """
    start, end = window
    span = f">={start:{_STAMP}}" if end is None else f"{start:{_STAMP}}..{end:{_STAMP}}"
    # Sorted by the field the window splits on: a page boundary never moves by more than new items.
    params = {"q": f"{query} {field}:{span}", "sort": field, "order": "asc", "per_page": "100"}
    for page, reply in enumerate(http.pages(f"{api}/search/issues?{urlencode(params)}")):
        data = _results(reply, f"{field}:{span}")
        if page == 0 and int(data.get("total_count") or 0) > SEARCH_CAP:
            upper = end or max(now(), start + timedelta(seconds=2))
            if upper - start < timedelta(seconds=2):  # whole seconds: the window cannot shrink
                raise ForgeError(f"GitHub search {query!r}: over 1000 results within one second at {start}")
            middle = (start + (upper - start) / 2).replace(microsecond=0)
            yield from issues(http, api, query, field, (start, middle), now)
            yield from issues(http, api, query, field, (middle + timedelta(seconds=1), end), now)
            return
        for item in data["items"]:
            if isinstance(item, Mapping) and not records.is_pull_request(item):
                full_name = records.repo_full_name_of(str(item.get("repository_url") or ""))
                yield records.issue(item, repo_forge_id="", repo_full_name=full_name)


def workflows_mentioning(http: Transport, api: str, org: str, terms: Iterable[str]) -> dict[str, set[str]]:
    """Repository full name (lower-cased) -> paths of its Actions workflows mentioning any term.

    One code search per term (more only past 100 matches). Raises ForgeError when the search is
    refused, fails, or cannot list every match: the caller must then not trust an absence.
    """
    found: dict[str, set[str]] = {}
    for term in terms:
        params = {"q": f"org:{org} path:.github/workflows {term}", "per_page": "100"}
        for page, reply in enumerate(http.pages(f"{api}/search/code?{urlencode(params)}")):
            data = _results(reply, f"code {term!r}")
            if page == 0 and int(data.get("total_count") or 0) > SEARCH_CAP:
                raise ForgeError(f"GitHub code search {term!r} in {org}: over {SEARCH_CAP} results")
            for item in data["items"]:
                repo = item.get("repository") if isinstance(item, Mapping) else None
                if not isinstance(repo, Mapping) or not repo.get("full_name") or not item.get("path"):
                    raise ForgeError(f"GitHub code search {term!r} in {org}: result without a file")
                found.setdefault(str(repo["full_name"]).lower(), set()).add(str(item["path"]))
    return found
