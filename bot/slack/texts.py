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
SUBSCRIBE_BUTTON = "Subscribe"
UNSUBSCRIBE_BUTTON = "Unsubscribe"
SUBSCRIBE_USAGE = (
    f"Tell me what to subscribe to: a topic, `lang:X` or `project:NAME`, "
    f"for example `{COMMAND} subscribe kafka lang:go project:acme/aurora-design-system`."
)
UNSUBSCRIBE_USAGE = (
    f"Tell me what to unsubscribe from, as `{COMMAND} subscriptions` lists it, "
    f"for example `{COMMAND} unsubscribe kafka lang:go`, or `{COMMAND} unsubscribe all`."
)
SUBSCRIBED_LABEL = "Subscribed to"
UNSUBSCRIBED_LABEL = "Unsubscribed from"
ALREADY_SUBSCRIBED_LABEL = "Already subscribed to"
NOT_SUBSCRIBED_LABEL = "You weren't subscribed to"
SUBSCRIPTIONS_TITLE = "Your subscriptions"
SUBSCRIPTIONS_TOPICS = "Topics"
SUBSCRIPTIONS_LANGUAGES = "Languages"
SUBSCRIPTIONS_PROJECTS = "Projects"
SUBSCRIPTIONS_NONE = (
    "You have no subscriptions yet. Subscribe to topics, languages or projects and I'll send you their "
    f"good first issues, for example `{COMMAND} subscribe kafka lang:go`."
)
SUBSCRIPTIONS_HOW_TO_CHANGE = (
    f"Change them with `{COMMAND} subscribe TERM…` and `{COMMAND} unsubscribe TERM…`; "
    f"a term is a topic, `lang:X` or `project:NAME`."
)
SUBSCRIBE_CHOICE_TIP = "Pick one with its button, or write the full `project:owner/name`."
TOO_MANY_TERMS = "Only the first 20 terms were read; the rest were left out."
CADENCE_USAGE = f"`{COMMAND} digest instant|daily|weekly|off`"
CADENCES_SHOWN = {
    "instant": "one message per good first issue, as soon as it is labelled (at most a few a day; "
    "the rest wait for the next digest)",
    "daily": "a daily digest",
    "weekly": "a weekly digest",
    "off": "not at all",
}
CADENCE_OFF_MAINTAINER = "The weekly maintainer digest is off too."


def term_shown(kind: str, label_escaped: str) -> str:
    if kind == "lang":
        return f"language *{label_escaped}*"
    if kind == "project":
        return f"project *{label_escaped}*"
    return f"topic *{label_escaped}*"


def cadence_now(cadence: str) -> str:
    return f"Good first issues reach you: {CADENCES_SHOWN.get(cadence, cadence)}."


def cadence_how_to_change(cadence: str) -> str:
    return f"{cadence_now(cadence)} Change it with {CADENCE_USAGE} (default `daily`)."


def cadence_changed(cadence: str) -> str:
    return f":white_check_mark: Done. {cadence_now(cadence)}"


def cadence_invalid(typed_escaped: str, cadence: str) -> str:
    if not typed_escaped:
        return f"Tell me how often: {CADENCE_USAGE}. {cadence_now(cadence)}"
    return f"`{typed_escaped}` is not a cadence: use {CADENCE_USAGE}. {cadence_now(cadence)}"


def term_empty(typed_escaped: str) -> str:
    return f"`{typed_escaped}` has no value (for example `lang:go`, `topic:kafka` or `project:NAME`)."


def language_unknown(typed_escaped: str, closest_escaped: list[str]) -> str:
    text = f"No project in the catalog is written in `{typed_escaped}`."
    return text + (f" Closest languages: {', '.join(closest_escaped)}." if closest_escaped else "")


def filter_unknown(typed_escaped: str) -> str:
    return f"`{typed_escaped}` can't be subscribed to: use a topic, `lang:X` or `project:NAME`."


def subscribe_not_found(typed_escaped: str) -> str:
    return f"I couldn't find a project called “{typed_escaped}”."


def subscribe_choice(typed_escaped: str, count: int) -> str:
    return f"{count} projects fit “{typed_escaped}”. {SUBSCRIBE_CHOICE_TIP}"


def topic_unused(topic_escaped: str, closest_escaped: list[str]) -> str:
    text = f"No project has the topic *{topic_escaped}* yet; I'll tell you when one does."
    return text + (f" Similar topics: {', '.join(closest_escaped)}." if closest_escaped else "")


def unmuted(project_escaped: str) -> str:
    return f"You'll hear from *{project_escaped}* again (you had said *Not interested*)."


LINK_USAGE = (
    f"Use `{COMMAND} link github LOGIN` or `{COMMAND} link gitlab USERNAME`; "
    f"`{COMMAND} unlink FORGE` undoes it."
)
LINK_NONE = "You have no forge account linked yet."
LINK_ACCOUNTS_LABEL = "Your forge accounts"
LINK_VERIFIED = "verified: your e-mail matches"
LINK_UNVERIFIED = "unverified: linked by you"
LINK_UNVERIFIED_NOTE = (
    "Linked accounts stay *unverified* until the e-mail on your forge profile matches your Slack e-mail. "
    "Maintainers see them marked so."
)
LOGIN_RULES = {
    "github": "letters, digits and single hyphens, at most 39 characters",
    "gitlab": "letters, digits, `_`, `-` and `.`, not starting with `-` nor ending with `.`",
}


def account_shown(forge_name: str, login_escaped: str, verified: bool) -> str:
    return f"{forge_name} `{login_escaped}` ({LINK_VERIFIED if verified else LINK_UNVERIFIED})"


def linked(forge_name: str, login_escaped: str) -> str:
    return f":link: Linked your {forge_name} account `{login_escaped}` (unverified)."


def relinked(forge_name: str, login_escaped: str, previous_escaped: str) -> str:
    return (
        f":link: Linked your {forge_name} account `{login_escaped}` instead of `{previous_escaped}` "
        "(unverified)."
    )


def already_linked(forge_name: str, login_escaped: str) -> str:
    return f"Your {forge_name} account is already `{login_escaped}`."


def login_taken(forge_name: str, login_escaped: str) -> str:
    return (
        f"The {forge_name} account `{login_escaped}` is already linked to another Slack user, so I can't "
        "link it to you. If it is yours, ask your InnerSource program office to sort it out."
    )


def verified_elsewhere(forge_name: str, verified_escaped: str) -> str:
    return (
        f"Your {forge_name} account is verified as `{verified_escaped}` (your e-mail matches it). "
        f"If that is wrong, `{COMMAND} unlink {forge_name.lower()}` first."
    )


def bad_login(forge_name: str, login_escaped: str, rules: str) -> str:
    return f"`{login_escaped}` is not a valid {forge_name} name ({rules})."


def unknown_forge(forge_escaped: str) -> str:
    return f"I know `github` and `gitlab`, not `{forge_escaped}`. {LINK_USAGE}"


def unlinked(forge_name: str, login_escaped: str) -> str:
    return f"Unlinked your {forge_name} account `{login_escaped}`."


def not_linked(forge_name: str) -> str:
    return f"You have no {forge_name} account linked."


# -- good-first-issue routing (issues, DMs, digests, Claim, Not interested) --
# (new strings for routing go below this line)
CLAIM_BUTTON = "Claim"
NOT_INTERESTED_BUTTON = "Not interested"
OPEN_ISSUE_BUTTON = "Open issue"
ISSUES_MORE_BUTTON = "More issues"
GFI_DM_INTRO = ":seedling: A good first issue for you"
ISSUE_LABELS = "Labels"
WHY_YOU = "Why you"
WHY_KINDS = {"topic": "you follow the topic", "lang": "you follow the language", "project": "you follow"}
ISSUES_NO_SUBSCRIPTIONS = (
    "You have no subscriptions yet, so I don't know which issues to show. Subscribe to topics, languages "
    f"or projects (`{COMMAND} subscribe kafka lang:go`), or search directly: `{COMMAND} issues lang:python`."
)
ISSUES_TIP = (
    f"Claim one to tell the others you're on it. `{COMMAND} issues WORDS lang:X topic:Y` narrows the list."
)
DIGEST_FOOTER = (
    "Claim an issue to tell others you're on it. "
    f"Fewer or more of these: `{COMMAND} digest instant|daily|weekly|off`."
)
CLAIM_GONE = "This issue can't be claimed any more"
CLAIM_COMMENT_POSTED = "I said so on the issue for you."
CLAIM_COMMENT_FAILED = (
    "I couldn't comment on the issue for you: leave a note there yourself so the maintainers know."
)


def opened_on(day: str) -> str:
    return f"opened {day}"


def why_line(kind: str, label_escaped: str) -> str:
    return f"{WHY_KINDS.get(kind, 'you follow')} *{label_escaped}*"


def issues_heading(total: int, first: int, last: int, from_subscriptions: bool) -> str:
    noun = "good first issue" if total == 1 else "good first issues"
    where = "from your subscriptions" if from_subscriptions else "match"
    return f"*{total} open {noun}* {where} — showing {first}-{last}"


def issues_none(from_subscriptions: bool, query_escaped: str) -> str:
    if from_subscriptions:
        return "No open, unclaimed good first issues match your subscriptions right now."
    return f"No open, unclaimed good first issues match “{query_escaped}”."


def digest_heading(count: int, day: str, part: int, parts: int) -> str:
    noun = "good first issue" if count == 1 else "good first issues"
    suffix = f" (part {part} of {parts})" if parts > 1 else ""
    return f"{count} new {noun} for you — {day}{suffix}"


def claimed_by_you(issue_escaped: str) -> str:
    return f":white_check_mark: You claimed {issue_escaped}. Say hello on the issue and have fun!"


def claimed_already_yours(issue_escaped: str) -> str:
    return f":white_check_mark: You already claimed {issue_escaped}."


def claimed_by_other(issue_escaped: str, holder: str) -> str:
    return (
        f":raised_hand: {issue_escaped} was claimed by {holder} first. Try another one: `{COMMAND} issues`."
    )


def claim_gone(issue_escaped: str, reason_escaped: str) -> str:
    return f"{CLAIM_GONE}: {issue_escaped} ({reason_escaped}). Try another one: `{COMMAND} issues`."


def not_interested(project_escaped: str) -> str:
    return (
        f":no_bell: No more good first issues from {project_escaped}. "
        f"Changed your mind? `{COMMAND} subscribe project:NAME` brings them back."
    )


NOT_INTERESTED_UNKNOWN = "I couldn't find that issue any more, so nothing changed."


# -- delivery (the outbox deliverer) --
# (new strings for delivery go below this line)


# -- contributor progression (me, nominations, milestones, admin) --
# (new strings for progression go below this line)
LEVEL_NAMES = {
    "newcomer": "Newcomer",
    "contributor": "Contributor",
    "regular": "Regular",
    "candidate": "Trusted-committer candidate",
    "trusted": "Trusted committer",
}
ME_TITLE = "Your InnerSource progress"
ME_ACCOUNTS_LABEL = "Your forge accounts"
ME_UNVERIFIED = "(unverified — self-declared with `link`)"
ME_NOT_LINKED = (
    "I don't know your GitHub or GitLab account yet, so I can't count your contributions. "
    "When the e-mail on your forge profile matches your Slack e-mail I find it by myself after the next "
    f"crawl; otherwise tell me with `{COMMAND} link github LOGIN` or `{COMMAND} link gitlab LOGIN`."
)
ME_NO_PROJECTS = (
    "Nothing merged or reviewed yet in the projects I know. A good first issue is the easiest start — "
    f"`{COMMAND} issues`."
)
ME_PROJECTS_LABEL = "Your contributions"
ME_TOP_LEVEL = "That's the top of the ladder — thank you for looking after InnerSource projects!"
ME_RECOMMENDED_LABEL = "Good first issues for you"
ME_SUBSCRIPTIONS_LABEL = "Subscriptions"
ME_NO_SUBSCRIPTIONS = f"none yet (`{COMMAND} subscribe TOPIC`)"
ROLE_NAMES = {
    "maintainer": "maintainer",
    "trusted": "trusted committer",
    "candidate": "trusted-committer candidate",
}
NEED_ANYWHERE = "anywhere you don't maintain"
NEEDS_OR = " or "


def level_shown(level: str) -> str:
    return LEVEL_NAMES.get(level, level)


def me_level(level_name: str) -> str:
    return f"Your level: *{level_name}*"


def me_maintainer_of(projects_escaped: str) -> str:
    return f"Maintainer of {projects_escaped}"


def me_trusted_on(projects_escaped: str) -> str:
    return f"Trusted committer of {projects_escaped}"


def change_noun(forge: str, count: int) -> str:
    """ "PR(s)" on GitHub, "MR(s)" on GitLab."""
    noun = "MR" if forge == "gitlab" else "PR"
    return noun if count == 1 else noun + "s"


def me_project_counts(merged_window: int, reviews_window: int, days: int, merged_all: int,
                      reviews_all: int, forge: str) -> str:  # fmt: skip
    merged = f"{merged_window} merged {change_noun(forge, merged_window)}"
    reviews = f"{reviews_window} review{'' if reviews_window == 1 else 's'}"
    return f"{merged} and {reviews} in the last {days} days ({merged_all} and {reviews_all} all time)"


def need_merged(count: int, forge: str) -> str:
    return f"{count} more merged {change_noun(forge, count)}"


def need_reviews(count: int) -> str:
    return f"{count} more review{'' if count == 1 else 's'}"


def me_more_projects(count: int) -> str:
    return f"…and {count} more project{'' if count == 1 else 's'}"


def me_next_level(level_name: str, needs: str, days: int) -> str:
    return f"*Next: {level_name}* — {needs} (counted over the last {days} days)."


def me_next_approval(level_name: str, project_escaped: str) -> str:
    where = f" of {project_escaped}" if project_escaped else ""
    return f"*Next: {level_name}* — a maintainer{where} approving your nomination."


NOMINATION_APPROVE_BUTTON = "Approve"
NOMINATION_DECLINE_BUTTON = "Decline"
NOMINATION_LATEST_LABEL = "Latest"
NOMINATION_WHO_DECIDES = (
    "Maintainers of the project decide; the first decision counts and everyone's card shows it."
)
NOMINATION_MODAL_TITLE = "Decline nomination"
NOMINATION_MODAL_SUBMIT = "Decline"
NOMINATION_MODAL_CLOSE = "Cancel"
NOMINATION_MODAL_REASON = "Reason (optional)"
NOMINATION_MODAL_HINT = "The other maintainers see it on their cards; the candidate is not told."
NOMINATION_NOT_A_MAINTAINER = (
    "Sorry — only a maintainer of this project (with a verified forge account) can decide on this "
    "nomination. Nothing was changed."
)
NOMINATION_UNKNOWN = "I can't find this nomination any more, so nothing was changed."
ITEM_KINDS = {"merged_change": "merged", "review": "reviewed"}


def nomination_heading(candidate: str, project_escaped: str) -> str:
    return f":medal: *Trusted-committer nomination:* {candidate} on {project_escaped}"


def nomination_fallback(candidate: str, project_escaped: str) -> str:
    return f"Trusted-committer nomination: {candidate} on {project_escaped}"


def nomination_counts(merged: int, reviews: int, days: int, forge: str) -> str:
    noun = change_noun(forge, merged)
    return (
        f"{merged} merged {noun} and {reviews} review{'' if reviews == 1 else 's'} there in the last "
        f"{days} days."
    )


def nomination_ask(project_escaped: str) -> str:
    return f"As a maintainer of {project_escaped}, do you want them as a trusted committer?"


def nomination_approved(by: str) -> str:
    return f":white_check_mark: Approved by {by}."


def nomination_declined(by: str, reason_escaped: str) -> str:
    return f":no_entry_sign: Declined by {by}." + (f" Reason: {reason_escaped}" if reason_escaped else "")


def decided_you_approved(candidate: str) -> str:
    return f"Thanks — {candidate} is now a trusted committer. I'll congratulate them."


def decided_you_declined(candidate: str) -> str:
    return f"Thanks — you declined {candidate}'s nomination."


def decided_already(by: str) -> str:
    return f"{by} already decided on this nomination, so nothing was changed."


def milestone_first_merged() -> str:
    return ":tada: *Your first merged contribution to an InnerSource project — thank you!*"


MILESTONE_NEXT = "Where to go next:"
MILESTONE_NEXT_NONE = f"Find more with `{COMMAND} issues` or `{COMMAND} find WORDS`."
MILESTONE_FOOTER = f"See your progress any time with `{COMMAND} me`."


def milestone_level(level_name: str) -> str:
    return f":seedling: You've reached *{level_name}* — great work, keep it going!"


def milestone_candidate() -> str:
    return (
        ":sparkles: You're now a *Trusted-committer candidate*: the maintainers have been asked to "
        "approve you."
    )


def milestone_trusted(projects_escaped: str) -> str:
    return f":star2: You're now a *trusted committer* of {projects_escaped}. Congratulations!"


ADMIN_TITLE = "Admin commands (admins only)"
ADMIN_HELP = (
    f"`{COMMAND} admin promote @user PROJECT` — make someone a trusted committer of a project\n"
    f"`{COMMAND} admin crawl` — crawl GitHub and GitLab now; the summary follows here"
)
ADMIN_NOT_ADMIN = (
    f"Sorry — `{COMMAND} admin` is for the bot's admins only. Ask your InnerSource program office."
)
ADMIN_CRAWL_STARTED = ":arrows_counterclockwise: Crawl started; I'll post its summary here when it's done."
ADMIN_CRAWL_UNAVAILABLE = "Crawling from Slack is not set up in this process; use `innersource-bot crawl`."
ADMIN_PROMOTE_USAGE = (
    f"Use `{COMMAND} admin promote @user PROJECT`, for example "
    f"`{COMMAND} admin promote @ana acme/kafka-client`."
)


def admin_crawl_done(summary_escaped: str) -> str:
    return f":white_check_mark: Crawl finished: {summary_escaped}"


def admin_promoted(detail_escaped: str) -> str:
    return f":white_check_mark: Made a trusted committer: {detail_escaped}. I'll tell them by DM."


def admin_already_trusted(detail_escaped: str) -> str:
    return f"Already a trusted committer: {detail_escaped}; nothing changed."


def admin_no_project(detail_escaped: str) -> str:
    return f"I couldn't find a project called “{detail_escaped}”; nothing changed."


def admin_ambiguous(detail_escaped: str, choices: str) -> str:
    return f"“{detail_escaped}” fits several projects: {choices}. Write the full owner/name."


def admin_not_linked(project_escaped: str) -> str:
    return (
        f"The person you mentioned has no account I know on the forge of {project_escaped}. They can "
        f"`{COMMAND} link github LOGIN` or `{COMMAND} link gitlab LOGIN`; nothing changed."
    )
