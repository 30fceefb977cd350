"""Trusted committers a project lists itself: innersource.json `trustedCommitters` and the README's
"Trusted Committers" section (found by `forges.files.trusted_committers_section`).

Read leniently, since people write these by hand: innersource.json may hold logins or objects with a
login/username field; the README section may @mention people or list them one per line. Logins come
back without "@", each once (case-insensitively), innersource.json's first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_KEYS = ("trustedCommitters", "trusted_committers", "trusted-committers", "trustedcommitters")
_LOGIN_FIELDS = ("login", "username", "user", "github", "gitlab", "handle")
_LOGIN = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?")
# An @mention, not an e-mail address and not a team (@org/team).
_MENTION = re.compile(r"(?<![\w.+-])@(" + _LOGIN.pattern + r")(?![\w/-])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
# Words people put where the names will go: never taken for a login, from either source.
_PLACEHOLDERS = frozenset({"tbd", "tba", "tbc", "todo", "none", "nobody", "na"})
# A list item that is one login, perhaps followed by a separator and a description.
_LOGIN_ITEM = re.compile(r"^[`*_]*(" + _LOGIN.pattern + r")[`*_]*(?:\s*(?:[-\u2013\u2014:,(|]|$).*)?$")


def _login(value: Any) -> str | None:
    if isinstance(value, dict):
        value = next((value[k] for k in _LOGIN_FIELDS if isinstance(value.get(k), str)), None)
    if not isinstance(value, str):
        return None
    text = value.strip().removeprefix("@")
    return text if _LOGIN.fullmatch(text) and text.casefold() not in _PLACEHOLDERS else None


def innersource_trusted_committers(innersource: dict[str, Any] | None) -> list[str]:
    raw = next((innersource[k] for k in _KEYS if k in innersource), None) if innersource else None
    if isinstance(raw, str):
        raw = re.split(r"[\s,;]+", raw)
    if not isinstance(raw, list):
        return []
    return [login for login in map(_login, raw) if login]


def readme_trusted_committers(section: str | None) -> list[str]:
    """@mentions anywhere in the section; list items that are one login; linked profiles."""
    found: list[str] = []
    for line in (section or "").splitlines():
        mentions = _MENTION.findall(line)
        if mentions:
            found += mentions
            continue
        item = _LIST_ITEM.match(line)
        if item is None:
            continue
        text = item[1].strip()
        link = _LINK.match(text)
        if link is not None:  # "[alice](https://github.com/alice)": the profile's last path segment
            target = link[2].rstrip("/").rpartition("/")[2]
            login = _login(target) if "://" in link[2] else _login(link[1])
            found += [login] if login else []
        elif (plain := _LOGIN_ITEM.match(text)) and plain[1].casefold() not in _PLACEHOLDERS:
            found.append(plain[1])
    return found


def _unique(logins: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for login in logins:
        if login.casefold() not in seen:
            seen.add(login.casefold())
            unique.append(login)
    return unique


def listed_trusted_committers(innersource: dict[str, Any] | None, readme_section: str | None) -> list[str]:
    return _unique(innersource_trusted_committers(innersource) + readme_trusted_committers(readme_section))
