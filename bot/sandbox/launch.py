"""Starts the sandbox: the sample organisation served by the fake forge, and settings aimed at it."""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

from pydantic import SecretStr

from bot.config import Settings
from bot.sandbox.forge.sample_org import build_sample_world
from bot.sandbox.forge.server import FakeForge

SANDBOX_DATABASE = "innersource-sandbox.db"


def start_sandbox(settings: Settings, now: datetime, workdir: Path) -> tuple[FakeForge, Settings]:
    """Serve the sample organisation on 127.0.0.1 and return settings pointing the real adapters at it.

    Unless DATABASE_URL was set, the sandbox gets its own SQLite file, recreated each start: the fake
    forge listens on a new port every time, so yesterday's rows would belong to another host.
    """
    forge = FakeForge(build_sample_world(now)).start()
    database_url = settings.database_url
    if database_url == Settings.model_fields["database_url"].default:
        path = workdir / SANDBOX_DATABASE
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
        database_url = f"sqlite:///{path}"
    world = forge.world
    sandbox_settings = settings.model_copy(
        update={
            "database_url": database_url,
            "github_api_url": forge.github_api_url,
            "github_orgs": tuple(world.github_orgs),
            "gitlab_url": forge.gitlab_url,
            "gitlab_groups": tuple(world.gitlab_groups),
            "max_rate_limit_wait": 5.0,
            # The fake Slack's #innersource-announce (bot/sandbox/slack/slack_channels.py).
            "announce_channel": settings.announce_channel or "#innersource-announce",
            # The console's `forge …` lines deliver signed webhooks; fresh secrets each start.
            "github_webhook_secret": SecretStr(secrets.token_hex(16)),
            "gitlab_webhook_secret": SecretStr(secrets.token_hex(16)),
        }
    )
    return forge, sandbox_settings
