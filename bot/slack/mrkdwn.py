"""Making untrusted text safe for Slack mrkdwn: escaping, links that cannot break out, safe truncation.

Slack treats `&`, `<` and `>` as control characters in mrkdwn and asks apps to send them as `&amp;`, `&lt;`
and `&gt;` (docs.slack.dev/messaging/formatting-message-text, "Escaping text"). Everything a forge or a
user wrote goes through `escape()` before it is put next to our own markup, so a repo description holding
`<!channel>` or `<@U123>` reaches Slack as inert text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, urlsplit

ELLIPSIS = "…"

# Characters kept as they are when a URL is re-quoted: RFC 3986 reserved characters and `%` (so existing
# escapes survive). Everything else that could end a `<url|label>` sequence early — `|`, `<`, `>`,
# spaces, quotes, control characters — is percent-encoded.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def escape(text: str) -> str:
    """Slack's three control characters as HTML entities; `&` first so nothing is escaped twice."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def safe_url(url: str | None) -> str | None:
    """The URL, re-quoted so it cannot leave a `<…|…>` link, or None when it is not http(s)."""
    if not url:
        return None
    stripped = url.strip()
    try:
        parts = urlsplit(stripped)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # `&` is escaped as well: Slack decodes entities inside links too, so a literal "&gt;" in a URL
    # must not turn into a `>` that closes the link.
    return escape(quote(stripped, safe=_URL_SAFE))


def link(url: str | None, label: str) -> str:
    """`<url|label>` with the label escaped, or just the escaped label when the URL is not http(s)."""
    target = safe_url(url)
    shown = escape(label.replace("\n", " "))
    if target is None:
        return shown
    # `|` in a label would be read as a second separator by some clients; a look-alike keeps the meaning.
    return f"<{target}|{shown.replace('|', '¦')}>"


def mention(slack_user_id: str | None) -> str | None:
    """`<@U…>` for a well-formed Slack user id, else None (the id is embedded unescaped, so it is checked)."""
    if slack_user_id and _USER_ID.match(slack_user_id):
        return f"<@{slack_user_id}>"
    return None


def code(text: str) -> str:
    """Inline code for an untrusted word: escaped, and without backticks that would end the span."""
    return "`" + code_body(text) + "`"


def code_body(word: str) -> str:
    """An untrusted word for inside a backtick span that our own text opens and closes."""
    return escape(one_line(word).replace("`", "'"))


def listing(items: Iterable[str], limit: int = 8) -> str:
    """Escaped, comma-separated, at most `limit` shown and a count of the rest."""
    listed = list(items)
    shown = ", ".join(escape(one_line(i)) for i in listed[:limit])
    return shown + (f" +{len(listed) - limit}" if len(listed) > limit else "")


def one_line(text: str) -> str:
    return " ".join(text.split())


def truncate_plain(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def truncate_mrkdwn(text: str, limit: int) -> str:
    """Cut escaped mrkdwn to `limit` characters without leaving half a link or half an entity behind."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    opened, closed = cut.rfind("<"), cut.rfind(">")
    if opened > closed:  # inside `<url|label>`: drop the whole link
        cut = cut[:opened]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:  # inside `&amp;` and friends
        cut = cut[:amp]
    return cut.rstrip() + ELLIPSIS
