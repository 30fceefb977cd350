"""Settings: environment over YAML over defaults; bad values name the setting, never the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings


def test_defaults_are_the_sandbox() -> None:
    settings = load_settings({})
    assert settings.sandbox
    assert settings.database_url == "sqlite:///innersource.db"
    assert settings.good_first_issue_labels == ("good first issue", "good-first-issue", "help wanted")
    assert settings.github_api_url == "https://api.github.com"


def test_conventional_names_and_prefixed_keys() -> None:
    settings = load_settings(
        {
            "GITHUB_ORGS": "acme, acme-labs",
            "GITHUB_TOKEN": "ghp_abc",
            "INNERSOURCE_ADMINS": "U1,U2",
            "INNERSOURCE_READINESS_THRESHOLD": "150",
        }
    )
    assert settings.github_orgs == ("acme", "acme-labs")
    assert settings.github_token is not None and settings.github_token.get_secret_value() == "ghp_abc"
    assert settings.admins == ("U1", "U2")
    assert settings.readiness_threshold == 150
    assert not settings.sandbox


def test_environment_wins_over_yaml(tmp_path: Path) -> None:
    config = tmp_path / "bot.yml"
    config.write_text("readiness_threshold: 300\ngitlab_groups: [platform]\ntimezone: Europe/Berlin\n")
    settings = load_settings({"INNERSOURCE_CONFIG": str(config), "INNERSOURCE_READINESS_THRESHOLD": "10"})
    assert settings.readiness_threshold == 10
    assert settings.gitlab_groups == ("platform",)
    assert settings.timezone == "Europe/Berlin"


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        (
            {"INNERSOURCE_READINESS_THRESHOLD": "lots"},
            ["readiness_threshold", "INNERSOURCE_READINESS_THRESHOLD"],
        ),
        ({"INNERSOURCE_TIMEZONE": "Mars/Olympus"}, ["timezone"]),
        ({"DATABASE_URL": "mysql://root:hunter2@db/x"}, ["database_url", "DATABASE_URL"]),
        ({"GITHUB_API_URL": "ftp://hunter2.example"}, ["github_api_url"]),
        ({"INNERSOURCE_CRAWL_WORKERS": "0"}, ["crawl_workers"]),
    ],
)
def test_bad_values_name_the_setting_not_the_value(environ: dict[str, str], names: list[str]) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ)
    message = str(caught.value)
    for name in names:
        assert name in message
    assert "hunter2" not in message
    assert "lots" not in message


def test_yaml_problems_are_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("readiness_threshold: [1,\n")
    with pytest.raises(SettingsError, match="not valid YAML"):
        load_settings({"INNERSOURCE_CONFIG": str(broken)})
    unknown = tmp_path / "unknown.yml"
    unknown.write_text("readyness_threshold: 3\n")
    with pytest.raises(SettingsError, match=r"unknown setting.*readyness_threshold"):
        load_settings({"INNERSOURCE_CONFIG": str(unknown)})
    with pytest.raises(SettingsError, match="cannot read"):
        load_settings({"INNERSOURCE_CONFIG": str(tmp_path / "missing.yml")})


def test_secrets_are_not_in_the_repr() -> None:
    settings = load_settings({"GITHUB_TOKEN": "ghp_topsecret", "SLACK_SIGNING_SECRET": "s3cr3t"})
    assert "ghp_topsecret" not in repr(settings)
    assert "s3cr3t" not in str(settings)
