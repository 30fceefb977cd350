"""The deployment files read as data: Dockerfile, docker-compose.yml, .env.example and deploy/k8s.

No Docker engine or cluster is needed: each file is parsed (PyYAML, a few lines of Dockerfile
reading) and held to what the bot itself says — its entry point, its commands, its settings' names,
its default port — so a renamed setting or command breaks a test here, not a deployment.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import _parser
from bot.config import CONVENTIONAL_ENV, Settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
SECRETS = {
    "DATABASE_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "GITHUB_TOKEN",
    "GITLAB_TOKEN",
    "GITHUB_WEBHOOK_SECRET",
    "GITLAB_WEBHOOK_SECRET",
}
HTTP_PORT = Settings().http_port


def _setting_names() -> set[str]:
    """Every environment name bot/config.py reads."""
    return {CONVENTIONAL_ENV.get(key, "INNERSOURCE_" + key.upper()) for key in Settings.model_fields}


def _version() -> str:
    version: str = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    return version


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the final stage, continuation lines joined, comments dropped."""
    lines, current = [], ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        if not current and (not raw.strip() or raw.lstrip().startswith("#")):
            continue
        current += raw.rstrip("\\").strip() + " "
        if not raw.endswith("\\"):
            lines.append(current.strip())
            current = ""
    instructions = [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]
    last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    return instructions[last_from:]


def _one(instructions: list[tuple[str, str]], name: str) -> str:
    found = [args for instruction, args in instructions if instruction == name]
    assert len(found) == 1, f"{name}: {found}"
    return found[0]


def test_the_image_is_slim_non_root_and_runs_the_entry_point() -> None:
    stage = _dockerfile()
    assert _one(stage, "FROM").startswith("python:3.11-slim")
    user = _one(stage, "USER").split(":")[0]
    assert user not in ("root", "0")
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert json.loads(_one(stage, "ENTRYPOINT")) == ["innersource-bot"] and "innersource-bot" in scripts
    assert json.loads(_one(stage, "CMD")) == ["serve"]
    assert _one(stage, "EXPOSE") == str(HTTP_PORT)
    installs = " ".join(args for name, args in stage if name == "RUN" and "pip install" in args)
    assert installs and "[dev]" not in installs and "-e " not in installs


def test_the_healthcheck_asks_healthz_with_python_not_curl() -> None:
    check = _one(_dockerfile(), "HEALTHCHECK")
    command = json.loads(check.split("CMD", 1)[1])
    assert command[:2] == ["python", "-c"] and "curl" not in check
    assert "urllib.request.urlopen" in command[2] and "/healthz" in command[2]
    assert "INNERSOURCE_HTTP_PORT" in command[2]  # the port setting the server listens on


def test_the_build_context_leaves_out_local_state() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".env", "*.db"} <= set(ignored)


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def _bot_services(compose: dict[str, Any], command: list[str]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose["services"].items() if s.get("command") == command}


def test_compose_migrates_once_then_starts_two_replicas_and_two_workers() -> None:
    compose = _compose()
    services = compose["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    (migrate_name,) = _bot_services(compose, ["db", "upgrade"])
    assert services[migrate_name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    serves, workers = _bot_services(compose, ["serve"]), _bot_services(compose, ["worker"])
    assert len(serves) == 2
    assert sum(w.get("deploy", {}).get("replicas", 1) for w in workers.values()) == 2
    for service in [*serves.values(), *workers.values()]:
        assert service["depends_on"][migrate_name]["condition"] == "service_completed_successfully"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    host_ports = []
    for service in serves.values():
        (mapping,) = service["ports"]
        host, container = mapping.split(":")
        assert int(container) == int(service["environment"]["INNERSOURCE_HTTP_PORT"])
        host_ports.append(host)
    assert len(set(host_ports)) == 2  # each replica on its own host port
    for bot in (_bot_services(compose, ["db", "upgrade"]) | serves | workers).values():
        assert bot["image"] == f"innersource-bot:{_version()}" and bot["build"] == "."
        assert bot["env_file"] == ".env"
        assert bot["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
        _parser().parse_args(bot["command"])  # a command the bot knows


def test_env_example_names_known_settings_and_holds_no_secret() -> None:
    pairs = [
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    names = {name for name, _ in pairs}
    assert names - {"POSTGRES_PASSWORD"} <= _setting_names(), names - _setting_names()
    assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "GITHUB_TOKEN", "POSTGRES_PASSWORD"} <= names
    assert all(value == "" for name, value in pairs if name in SECRETS | {"POSTGRES_PASSWORD"})


def _k8s() -> dict[tuple[str, str], dict[str, Any]]:
    """Every object under deploy/k8s, by (kind, name)."""
    objects = {}
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for document in yaml.safe_load_all(path.read_text()):
            objects[(document["kind"], document["metadata"]["name"])] = document
    return objects


def _pod(workload: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def test_kustomization_lists_every_manifest() -> None:
    listed = yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == sorted(p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def test_serve_is_probed_on_healthz_at_its_container_port() -> None:
    objects = _k8s()
    serve = objects[("Deployment", "innersource-bot-serve")]
    assert serve["spec"]["replicas"] == 2
    (container,) = _pod(serve)["containers"]
    (port,) = container["ports"]
    config = objects[("ConfigMap", "innersource-bot-config")]["data"]
    assert port["containerPort"] == int(config["INNERSOURCE_HTTP_PORT"]) == HTTP_PORT
    for probe in ("readinessProbe", "livenessProbe"):
        get = container[probe]["httpGet"]
        assert get["path"] == "/healthz" and get["port"] in (port["name"], port["containerPort"])
    assert container["resources"]["requests"] and container["resources"]["limits"]
    service = objects[("Service", "innersource-bot")]
    assert service["spec"]["selector"].items() <= serve["spec"]["template"]["metadata"]["labels"].items()
    assert service["spec"]["ports"][0]["targetPort"] in (port["name"], port["containerPort"])


def test_workloads_share_one_image_and_run_commands_the_bot_knows() -> None:
    objects = _k8s()
    workloads = {
        "serve": objects[("Deployment", "innersource-bot-serve")],
        "worker": objects[("Deployment", "innersource-bot-worker")],
        "migrate": objects[("Job", "innersource-bot-migrate")],
    }
    assert workloads["worker"]["spec"]["replicas"] == 2
    images, commands = set(), {}
    for name, workload in workloads.items():
        pod = _pod(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True
        (container,) = pod["containers"]
        images.add(container["image"])
        commands[name] = container["args"]
        _parser().parse_args(container["args"])
        sources = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
        assert sources == {"innersource-bot-config", "innersource-bot-secrets"}
    assert len(images) == 1
    assert commands == {"serve": ["serve"], "worker": ["worker"], "migrate": ["db", "upgrade"]}


def test_the_secret_template_names_the_tokens_and_commits_no_value() -> None:
    objects = _k8s()
    secret = objects[("Secret", "innersource-bot-secrets")]
    assert "data" not in secret  # base64 would hide a committed value from a reader
    values = secret["stringData"]
    assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "GITHUB_TOKEN", "DATABASE_URL"} <= values.keys()
    assert set(values) <= SECRETS and all(v == "" for v in values.values())
    config = objects[("ConfigMap", "innersource-bot-config")]["data"]
    assert set(config) <= _setting_names() and not set(config) & SECRETS


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="needs kubectl (its built-in kustomize)")
def test_kustomize_renders_the_manifests_with_the_release_image() -> None:
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    documents = list(yaml.safe_load_all(rendered))
    assert len(documents) == len(_k8s())
    images = {
        c["image"] for d in documents if d["kind"] in ("Deployment", "Job") for c in _pod(d)["containers"]
    }
    assert images == {f"innersource-bot:{_version()}"}  # the release the image is built from
