"""Settings, loaded and validated once at start-up; the only module that reads os.environ.

Sources, lowest to highest precedence: defaults, the YAML file named by INNERSOURCE_CONFIG, the
environment. Endpoints and secrets keep their conventional names (DATABASE_URL, GITHUB_TOKEN, …);
every other setting is a YAML key and also INNERSOURCE_<KEY>. A bad value raises SettingsError naming
the setting, never echoing its value (it may be a secret).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from bot.scheduling.triggers import cron_trigger

# Settings read from their conventional environment names rather than INNERSOURCE_<KEY>.
CONVENTIONAL_ENV = {
    "database_url": "DATABASE_URL",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_api_url": "SLACK_API_URL",
    "github_token": "GITHUB_TOKEN",
    "github_api_url": "GITHUB_API_URL",
    "github_orgs": "GITHUB_ORGS",
    "gitlab_url": "GITLAB_URL",
    "gitlab_token": "GITLAB_TOKEN",
    "gitlab_groups": "GITLAB_GROUPS",
    "github_webhook_secret": "GITHUB_WEBHOOK_SECRET",
    "gitlab_webhook_secret": "GITLAB_WEBHOOK_SECRET",
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LIST_SETTINGS = {"github_orgs", "gitlab_groups", "admins", "good_first_issue_labels", "bot_logins"}


class SettingsError(Exception):
    """A setting is missing or malformed. The message names settings, never values."""


def _env_name(key: str) -> str:
    return CONVENTIONAL_ENV.get(key, "INNERSOURCE_" + key.upper())


class LevelSettings(BaseModel):
    """Contributor level thresholds (SPEC "Contributor progression"). YAML `levels: {contributor_merged: 1}`;
    environment `INNERSOURCE_LEVELS_CONTRIBUTOR_MERGED=1`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    contributor_merged: int = Field(default=1, ge=1, le=10_000)  # merged anywhere they do not maintain
    regular_merged: int = Field(default=5, ge=1, le=10_000)  # … within window_days
    candidate_merged: int = Field(default=10, ge=1, le=10_000)  # on one project, within window_days
    candidate_reviews: int = Field(default=5, ge=0, le=10_000)  # on that project, within window_days
    window_days: int = Field(default=180, ge=1, le=3650)


class Settings(BaseModel):
    """Every setting of the bot. Frozen: build a new one rather than mutate."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    database_url: str = "sqlite:///innersource.db"
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    github_token: SecretStr | None = None
    github_api_url: str = "https://api.github.com"
    github_orgs: tuple[str, ...] = ()
    gitlab_url: str = "https://gitlab.com"
    gitlab_token: SecretStr | None = None
    gitlab_groups: tuple[str, ...] = ()
    github_webhook_secret: SecretStr | None = None
    gitlab_webhook_secret: SecretStr | None = None

    announce_channel: str | None = None
    admins: tuple[str, ...] = ()
    good_first_issue_labels: tuple[str, ...] = (
        "good first issue",
        "good-first-issue",
        "help wanted",
    )
    include_private_topic: str = "innersource"
    readiness_threshold: int = Field(default=50, ge=0)
    timezone: str = "UTC"
    crawl_schedule: str = "0 * * * *"  # cron: hourly incremental crawl
    crawl_workers: int = Field(default=8, ge=1, le=64)
    max_rate_limit_wait: float = Field(default=60.0, ge=0, le=900)
    lookback_days: int = Field(default=180, ge=1, le=3650)
    # GitHub detail reads: "graphql" (dozens of repositories per query, points) or "rest" (~6 requests each)
    github_crawl_api: Literal["graphql", "rest"] = "graphql"
    github_graphql_batch: int = Field(default=100, ge=1, le=100)  # repositories per GraphQL query
    # Good-first-issue routing and delivery (bot/services/routing.py, bot/slack/outbox.py)
    gfi_daily_cap: int = Field(default=5, ge=0, le=100)  # instant DMs per person per local day
    digest_hour: int = Field(default=9, ge=0, le=23)  # local hour of daily/weekly digests
    digest_weekday: str = "mon"  # weekly digests (and, later, maintainer digests) go out on this day
    claim_comments: bool = True  # *Claim* comments "<login> would like to work on this" where allowed
    route_schedule: str = "* * * * *"  # cron: route new good-first-issues
    deliver_interval_seconds: float = Field(default=2.0, ge=0.2, le=300)  # outbox polling between wakes
    delivery_max_attempts: int = Field(default=6, ge=1, le=50)  # 5xx/timeouts before a row is failed
    worker_lease_seconds: float = Field(default=30.0, ge=5, le=300)  # scheduler role taken over after this
    http_port: int = Field(default=3000, ge=0, le=65535)  # `run` in HTTP mode, and `serve` by default
    http_threads: int = Field(default=8, ge=1, le=256)  # waitress worker threads per process
    search_refresh_seconds: float = Field(default=10.0, ge=0.5, le=3600)  # catalog changes reach search
    # Where `serve` keeps its search index between starts (bot/catalog/search_snapshot.py), one file per
    # database; a cache, checked against the catalog on load. None: the system's temporary directory.
    search_snapshot_dir: Path | None = None
    levels: LevelSettings = LevelSettings()
    bot_logins: tuple[str, ...] = ()  # forge accounts that are bots without saying so (never counted)
    renominate_days: int = Field(
        default=90, ge=0, le=3650
    )  # after a Decline, no new nomination for this long
    milestone_backfill_days: int = Field(default=30, ge=0, le=3650)  # older milestones are recorded, not DM'd
    progression_schedule: str = "*/15 * * * *"  # cron: levels from new ledger rows (a full recompute daily)
    metrics_window_days: int = Field(
        default=90, ge=7, le=3650
    )  # metrics' window; trends compare the one before
    # Announcements, maintainer digests (bot/services/announcements.py, bot/services/digests.py)
    announce_max_per_run: int = Field(default=10, ge=1, le=100)  # posts per announce run; the rest wait
    announce_private: bool = False  # announce private projects listed through include_private_topic
    stale_gfi_days: int = Field(default=60, ge=1, le=3650)  # a good-first-issue idle this long is stale
    digests_schedule: str = "0 * * * *"  # cron: maintainer digests (each person's digest_hour, local)
    # Start-up (bot/startup_checks.py): how long one check of Slack, a forge or the database may take,
    # and the cap of the backoff between checks while `serve`/`worker` wait for one to come back.
    startup_timeout_seconds: float = Field(default=10.0, ge=0.2, le=120)
    startup_backoff_max_seconds: float = Field(default=60.0, ge=0.5, le=600)
    worker_health_port: int | None = Field(default=None, ge=0, le=65535)  # `worker`'s GET /healthz; off

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return value

    @field_validator("slack_api_url", "github_api_url", "gitlab_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("is not a known time zone (e.g. Europe/Berlin, UTC)") from None
        return value

    @field_validator("digest_weekday")
    @classmethod
    def _weekday(cls, value: str) -> str:
        day = value.strip().casefold()[:3]
        if day not in WEEKDAYS:
            raise ValueError("must be a day of the week (mon, tue, wed, thu, fri, sat, sun)")
        return day

    @field_validator("crawl_schedule", "route_schedule", "progression_schedule", "digests_schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        try:
            cron_trigger(value, ZoneInfo("UTC"))  # read exactly as the worker will read it
        except ValueError:
            raise ValueError(
                "must be a cron expression: minute hour day month weekday (6 fields: seconds first)"
            ) from None
        return value

    @field_validator("good_first_issue_labels")
    @classmethod
    def _some_labels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("needs at least one label")
        return value

    @property
    def sandbox(self) -> bool:
        """No forge configured and no Slack token: run against the bundled sample organisation."""
        return not (self.github_orgs or self.gitlab_groups or self.slack_bot_token or self.slack_app_token)


def _split_list(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in Settings.model_fields:
        raw = environ.get(_env_name(key))
        if raw is None or raw == "":
            continue
        values[key] = _split_list(raw) if key in LIST_SETTINGS else raw
    for key, field in Settings.model_fields.items():  # nested groups: INNERSOURCE_LEVELS_<FIELD>
        group = field.annotation
        if isinstance(group, type) and issubclass(group, BaseModel):
            nested = {
                name: environ[name_env]
                for name in group.model_fields
                if (name_env := f"{_env_name(key)}_{name.upper()}") in environ and environ[name_env] != ""
            }
            if nested:
                values[key] = {**values.get(key, {}), **nested}
    return values


def _from_yaml(path: str) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"INNERSOURCE_CONFIG: cannot read {path} ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SettingsError(f"INNERSOURCE_CONFIG: {path} is not valid YAML{where}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SettingsError(f"INNERSOURCE_CONFIG: {path} must hold a mapping of settings")
    unknown = sorted(str(k) for k in data if k not in Settings.model_fields)
    if unknown:
        raise SettingsError(f"INNERSOURCE_CONFIG: unknown setting(s) {', '.join(unknown)} in {path}")
    return {k: (_split_list(v) if k in LIST_SETTINGS and isinstance(v, str) else v) for k, v in data.items()}


def _describe(error: ValidationError) -> str:
    """One line per bad setting, with where it comes from; pydantic's `input` (the value) is dropped."""
    lines = []
    for item in error.errors():
        key = str(item["loc"][0]) if item["loc"] else "settings"
        env = _env_name(key)
        if len(item["loc"]) > 1:  # a nested group's field: levels.window_days, INNERSOURCE_LEVELS_WINDOW_DAYS
            env = f"{env}_{str(item['loc'][1]).upper()}"
            key = f"{key}.{item['loc'][1]}"
        message = str(item["msg"]).removeprefix("Value error, ")
        lines.append(f"{key} (env {env}): {message}")
    return "invalid settings:\n  " + "\n  ".join(lines)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read YAML (if INNERSOURCE_CONFIG names one) then the environment, and validate once."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    config_path = env.get("INNERSOURCE_CONFIG")
    if config_path:
        values.update(_from_yaml(config_path))
    for key, value in _from_environment(env).items():
        earlier = values.get(key)
        values[key] = {**earlier, **value} if isinstance(earlier, dict) and isinstance(value, dict) else value
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None
