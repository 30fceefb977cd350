"""Every user-facing string of the Slack layer, in one place so wording is reviewed (and changed) once.

Strings here are mrkdwn written by us, so they are trusted; anything forge- or user-supplied is passed in
already escaped by bot/slack/blocks.py. Functions that take such a value say so in their parameter name.
"""

from __future__ import annotations

COMMAND = "/innersource"
BOT_NAME = "InnerSource Bot"


HELP_TITLE = f"{BOT_NAME} — find projects to use and contribute to"
HELP_INTRO = (
    "I know the InnerSource projects on our GitHub and GitLab: what they do, who maintains them, how active "
    "they are and where a newcomer can start. Answers are only visible to you."
)
HELP_EXAMPLES_LABEL = "Try"
HELP_FALLBACK = f"{BOT_NAME}: use `{COMMAND} find WORDS` or `{COMMAND} project NAME`."


def unknown_subcommand(word_escaped: str) -> str:
    return f"I don't know the command `{word_escaped}`."


def did_you_mean_command(suggestion_escaped: str) -> str:
    return f"Did you mean `{COMMAND} {suggestion_escaped}`?"


# Refusals, one per reason bot/slack/users.py can give. Polite and final: there is nothing to fix.
REFUSALS: dict[str, str] = {
    "guest": f"Sorry — {BOT_NAME} is available to full members of this workspace only.",
    "external": f"Sorry — {BOT_NAME} is available to members of this workspace only, "
    "not to people from connected organisations.",
    "bot": f"Sorry — {BOT_NAME} answers people, not bots or apps.",
    "deleted": f"Sorry — {BOT_NAME} can't help with a deactivated account.",
}
REFUSAL_DEFAULT = f"Sorry — {BOT_NAME} can't help with this account."

ERROR = (
    "Sorry — something went wrong on our side while answering. Please try again in a minute; "
    "if it keeps happening, tell your InnerSource program office."
)
WORKING = "Working on it… :hourglass_flowing_sand:"

EMPTY_CATALOG = (
    "The catalog is empty: no projects have been crawled yet. "
    "Ask your InnerSource program office to run a crawl, then try again."
)


def find_heading(query_escaped: str, first: int, last: int, total: int) -> str:
    noun = "project" if total == 1 else "projects"
    return f"*{total} {noun}* match “{query_escaped}” — showing {first}-{last}"


def find_no_match(query_escaped: str) -> str:
    return f"No projects match “{query_escaped}”."


FIND_EMPTY_QUERY = f"Tell me what to look for, for example `{COMMAND} find design system`."
FIND_SUGGESTIONS_LABEL = "Closest names and topics"
FIND_NO_MATCH_TIP = "Try fewer or other words, or drop a `lang:`/`topic:`/`forge:` filter."
WHY_LABEL = "Why"
MORE_BUTTON = "More results"
DETAILS_BUTTON = "Details"
READY_BADGE = ":white_check_mark: InnerSource-ready"
NOT_READY_BADGE = ":construction: not yet InnerSource-ready"
CHECK_OK = ":white_check_mark:"
CHECK_MISSING = ":x:"


def good_first_issues(count: int) -> str:
    if count == 0:
        return "no open good first issues"
    return f"{count} open good first issue{'s' if count != 1 else ''}"


def activity(label_escaped: str, score: int) -> str:
    return f"Activity: {label_escaped} ({score})"


PROJECT_MAINTAINERS = "Maintainers"
PROJECT_TRUSTED_COMMITTERS = "Trusted committers"
PROJECT_LANGUAGES = "Languages"
PROJECT_TOPICS = "Topics"
PROJECT_SKILLS = "Skills"
PROJECT_ACTIVITY = "Activity"
PROJECT_POPULARITY = "Stars / forks"
PROJECT_CHECKLIST = "Readiness checklist"
PROJECT_SCORE_PARTS = "Score parts"
PROJECT_GOOD_FIRST_ISSUES = "Good first issues"
PROJECT_NO_GOOD_FIRST_ISSUES = "No open good first issues right now."
PROJECT_CONTRIBUTING = "Contributing guide"
PROJECT_DOCS = "Documentation"
PROJECT_CHAT = "Chat"
PROJECT_MOTIVATION = "Motivation"
NONE_KNOWN = "—"


def project_choice(query_escaped: str, count: int) -> str:
    return f"{count} projects fit “{query_escaped}”. Which one do you mean?"


def project_not_found(query_escaped: str) -> str:
    return f"I couldn't find a project called “{query_escaped}”."


PROJECT_DID_YOU_MEAN = "Did you mean"
PROJECT_NOT_FOUND_TIP = f"Search by topic or keyword with `{COMMAND} find WORDS`."
PROJECT_EMPTY_REFERENCE = f"Tell me which project, for example `{COMMAND} project acme/design-system`."

TRUNCATED = "…some of this answer was left out to fit in one Slack message."

HOME_TITLE = BOT_NAME
HOME_INTRO = (
    "I help you find InnerSource projects to use and contribute to: what they do, who maintains them, "
    "how active they are and which good first issues are waiting."
)
HOME_USAGE_LABEL = f"Use `{COMMAND}` in any channel or DM"


def home_catalog_size(count: int) -> str:
    if count == 0:
        return "The catalog is empty: nothing has been crawled yet."
    return f"The catalog lists *{count}* project{'s' if count != 1 else ''}."


# -- subscriptions, cadence and identity (subscribe, unsubscribe, subscriptions, digest, link, unlink) --
# (new strings for these subcommands go below this line)


# -- good-first-issue routing (issues, DMs, digests, Claim, Not interested) --
# (new strings for routing go below this line)


# -- delivery (the outbox deliverer) --
# (new strings for delivery go below this line)
