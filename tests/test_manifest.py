"""manifest.yml is a valid Slack app manifest and asks for exactly what issue 3 needs.

Validated offline against Slack's published JSON Schema (slackapi/manifest-schema v0.5.0, vendored
in tests/data/slack/manifest-schema/): its `$ref`s to raw.githubusercontent.com resolve to the
local copies through a `referencing` registry, so no network is touched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = Path(__file__).parent / "data" / "slack" / "manifest-schema"
REMOTE = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"
EXPECTED_SCOPES = {
    *("commands", "users:read", "channels:read"),
    *("chat:write", "im:write", "im:history", "users:read.email"),  # issue 7: delivery, identity
    *("channels:join", "channels:history"),  # issue 9: the bot joins the announce channel, recovery
}


def _offline_registry() -> Registry:
    def retrieve(uri: str) -> Resource:
        # Only the two schemas the root names may be looked up, and only from disk.
        if not uri.startswith(REMOTE):
            raise Unresolvable(uri)
        local = SCHEMA_DIR / "schemas" / uri[len(REMOTE) :]
        return Resource.from_contents(json.loads(local.read_text()))

    return Registry(retrieve=retrieve)  # type: ignore[call-arg]  # attrs field; mypy misses it


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    schema = json.loads((SCHEMA_DIR / "manifest.schema.json").read_text())
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, registry=_offline_registry())


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def _errors(validator: Draft7Validator, document: Any) -> list[str]:
    return [error.message for error in validator.iter_errors(document)]


def test_manifest_is_valid_against_slacks_schema(
    validator: Draft7Validator, manifest: dict[str, Any]
) -> None:
    assert _errors(validator, manifest) == []


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_the_validator_accepts_slacks_valid_sample_and_rejects_the_invalid_one(
    validator: Draft7Validator, version: str
) -> None:
    samples = SCHEMA_DIR / "tests" / "manifests" / version
    assert _errors(validator, json.loads((samples / "manifest.valid.json").read_text())) == []
    assert _errors(validator, json.loads((samples / "manifest.invalid.json").read_text())) != []


def test_a_manifest_error_of_ours_would_be_caught(
    validator: Draft7Validator, manifest: dict[str, Any]
) -> None:
    broken = json.loads(json.dumps(manifest))
    broken["features"]["slash_commands"][0]["command"] = "innersource"  # commands start with "/"
    assert _errors(validator, broken) != []


def test_slash_command_events_and_settings_are_what_issue_3_needs(manifest: dict[str, Any]) -> None:
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/innersource"]
    assert commands[0]["should_escape"] is True  # so `@user` arrives as <@U…|name>
    settings = manifest["settings"]
    assert sorted(settings["event_subscriptions"]["bot_events"]) == [
        "app_home_opened",
        "member_joined_channel",
    ]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["display_information"]["name"] == "InnerSource Bot"


def test_bot_scopes_are_exactly_the_ones_used(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert len(scopes) == len(set(scopes))
    assert set(scopes) == EXPECTED_SCOPES
    assert "user" not in manifest["oauth_config"]["scopes"]  # no user-token scopes at all


def test_request_urls_point_at_the_one_events_endpoint(manifest: dict[str, Any]) -> None:
    urls = {
        manifest["features"]["slash_commands"][0]["url"],
        manifest["settings"]["event_subscriptions"]["request_url"],
        manifest["settings"]["interactivity"]["request_url"],
    }
    assert urls == {"https://innersource-bot.example.com/slack/events"}
