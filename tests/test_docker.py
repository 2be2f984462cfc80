"""docker-compose.yml and the image's entry point refuse a missing or default secret or
database password, and a worker service runs beside the API. (No Docker engine here:
the compose file is read as YAML, the entry point run with sh.)"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ENTRYPOINT = ROOT / "scripts" / "docker-entrypoint.sh"
GOOD_KEY = "4f9c2e7a1b3d5f60718293a4b5c6d7e8"
GOOD_URL = "postgresql+psycopg://wangge:9f8e7d6c5b4a3f21@db:5432/wangge"


def test_compose_has_no_default_secret_and_runs_a_worker() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    compose = yaml.safe_load(text)
    for name in ("WANGGE_SECRET_KEY", "WANGGE_DB_PASSWORD"):
        uses = re.findall(r"\$\{" + name + r"([^}]*)\}", text)
        assert uses and all(u.startswith(":?") for u in uses), (name, uses)
    services = compose["services"]
    assert services["worker"]["command"] == ["wangge", "worker"]
    assert services["api"]["environment"]["WANGGE_JOBS_WORKERS"] == "0"
    for name in ("api", "worker"):
        env = services[name]["environment"]
        assert "${WANGGE_SECRET_KEY:?" in env["WANGGE_SECRET_KEY"]
        assert "${WANGGE_DB_PASSWORD:?" in env["WANGGE_DATABASE_URL"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "docker-entrypoint.sh" in dockerfile and "WANGGE_SECRET_KEY=" not in dockerfile


def run(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(ENTRYPOINT), "echo", "started"], env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "env, says",
    [
        ({}, "set WANGGE_SECRET_KEY"),
        ({"WANGGE_SECRET_KEY": "change-me-before-real-data"}, "default value"),
        ({"WANGGE_SECRET_KEY": "short"}, "at least 16"),
        ({"WANGGE_SECRET_KEY": GOOD_KEY}, "set WANGGE_DATABASE_URL"),
        ({"WANGGE_SECRET_KEY": GOOD_KEY,
          "WANGGE_DATABASE_URL": "postgresql+psycopg://wangge:wangge@db:5432/wangge"},
         "password in WANGGE_DATABASE_URL is a default"),
    ],
    ids=["no key", "default key", "short key", "no database", "default password"],
)  # fmt: skip
def test_the_entry_point_refuses_defaults(env: dict[str, str], says: str) -> None:
    refused = run(env)
    assert refused.returncode == 64 and says in refused.stderr
    assert "started" not in refused.stdout


def test_the_entry_point_starts_with_secrets_of_ones_own() -> None:
    started = run({"WANGGE_SECRET_KEY": GOOD_KEY, "WANGGE_DATABASE_URL": GOOD_URL})
    assert started.returncode == 0 and started.stdout.strip() == "started"
