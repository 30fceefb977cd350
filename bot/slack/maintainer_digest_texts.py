"""The user-facing strings of the weekly maintainer digest and of `maintainer-digest on|off` (kept
beside bot/slack/texts.py, whose rules they follow: our own mrkdwn, values passed in already escaped)."""

from __future__ import annotations

from bot.slack.texts import COMMAND

USAGE = f"`{COMMAND} maintainer-digest on|off`"
FOOTER = (
    f"Once a week, when there is something to report. `{COMMAND} maintainer-digest off` stops it "
    "(good first issues keep coming)."
)
WAITING_LABEL = ":hourglass_flowing_sand: *Waiting for a first response*"
NEW_LABEL = ":wave: *New contributors this week* — welcome them!"
NOMINATIONS_LABEL = ":ballot_box_with_check: *Trusted-committer nominations awaiting your decision*"
READINESS_LABEL = ":clipboard: *Readiness items still missing*"
CARD_INTRO = (
    ":ballot_box_with_check: From your weekly maintainer digest: a nomination awaiting your decision."
)
CONTINUED = "(continued)"
STAYS_OFF = f"The weekly maintainer digest stays off: `{COMMAND} maintainer-digest on` turns it back on."

# One plain line per readiness checklist item (bot/catalog/readiness.py CHECKLIST): how to fix it.
READINESS_FIXES: dict[str, str] = {
    "description": "add a one-line description in the repository settings (or a `motivation` in "
    "innersource.json).",
    "topics": "add a few topics in the repository settings, so people searching for them find it.",
    "readme": "add a README saying what the project does and how to start using it.",
    "contributing": "add a CONTRIBUTING.md: how to set up, how to propose a change, how soon you answer.",
    "maintainers": "name the maintainers in CODEOWNERS or in innersource.json (`maintainers`).",
    "license": "add a LICENSE file (or an innersource.json) so people know the terms of reuse.",
    "issue_template": "add an issue template (`.github/ISSUE_TEMPLATE/` or `.gitlab/issue_templates/`).",
    "change_template": "add a pull/merge request template (`.github/pull_request_template.md` or "
    "`.gitlab/merge_request_templates/`).",
    "good_first_issues": "label a few small, well-described issues `good first issue` for newcomers.",
    "secret_detection": "turn on secret scanning (GitHub), include the `Secret-Detection` template in "
    "`.gitlab-ci.yml`, or run gitleaks or trufflehog in CI.",
    "recent_push": "nothing was pushed for 90 days: push an update, or say in the README that the "
    "project is stable (or archive it).",
}
READINESS_FIX_DEFAULT = "see the project's readiness checklist: `/innersource project NAME`."


def heading(week_of: str, part: int, parts: int) -> str:
    suffix = f" (part {part} of {parts})" if parts > 1 else ""
    return f"Your maintainer digest — week of {week_of}{suffix}"


def waiting_heading(total: int, shown: int) -> str:
    oldest = f", the {shown} oldest first" if shown < total else ", oldest first"
    noun = "contribution" if total == 1 else "contributions"
    return f"{WAITING_LABEL} — {total} outside {noun}{oldest}"


def waiting_line(change_link: str, author_escaped: str, age: str) -> str:
    return f"• {change_link} by {author_escaped} — waiting {age}"


def new_contributor_line(who: str, change_link: str, day: str) -> str:
    return f"• {who} — first merged {change_link} on {day}"


def stale_heading(days: int, total: int, shown: int) -> str:
    count = f"{total}, the {shown} quietest first" if shown < total else str(total)
    return (
        f":zzz: *Good first issues with no activity for {days}+ days* — {count}. Close them, or refresh "
        "them so a newcomer knows they are still wanted."
    )


def stale_line(issue_link: str, day: str, assigned: bool) -> str:
    return f"• {issue_link} — last activity {day}" + (" · assigned" if assigned else "")


def nomination_pending(who: str, day: str) -> str:
    return f"• {who}, nominated {day}: decide with the card below this digest"


def nomination_decided(who: str, status: str, by: str) -> str:
    return f"• {who}: {status} by {by}"


def readiness_line(label_escaped: str, fix: str) -> str:
    return f"✗ *{label_escaped}* — {fix}"


def quiet(projects_escaped: str) -> str:
    return f"Nothing to report this week for {projects_escaped}."


def fallback(waiting: int, new: int, stale: int, nominations: int, missing: int) -> str:
    counts = [
        (waiting, "contribution waiting for a first response", "contributions waiting for a first response"),
        (new, "new contributor", "new contributors"),
        (stale, "idle good first issue", "idle good first issues"),
        (nominations, "nomination to decide", "nominations to decide"),
        (missing, "readiness item missing", "readiness items missing"),
    ]
    said = [f"{n} {one if n == 1 else many}" for n, one, many in counts if n]
    return "Your maintainer digest: " + (", ".join(said) or "continued")


def changed(on: bool, cadence_now: str) -> str:
    if on:
        return (
            ":white_check_mark: Done. You'll get the weekly maintainer digest for the projects that list "
            "you as a maintainer (your forge account, tied to Slack by e-mail), when there is something "
            f"to report. {cadence_now}"
        )
    return f":white_check_mark: Done. The weekly maintainer digest is off. {cadence_now}"


def invalid(typed_escaped: str, on: bool) -> str:
    state = "on" if on else "off"
    if not typed_escaped:
        return f"Tell me which: {USAGE}. Your weekly maintainer digest is {state}."
    return f"`{typed_escaped}` is neither on nor off: use {USAGE}. Your weekly maintainer digest is {state}."
