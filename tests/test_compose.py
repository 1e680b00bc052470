"""compose.yaml as an operator fills it in: every service that reads the query log gets the database password
verbatim, whatever characters it holds (docker/lint.sh checks the same with podman-compose in CI)."""

from __future__ import annotations

import re

import pytest
import yaml

from bot.querylog.settings import settings_from_env
from tests.conftest import REPOSITORY

PASSWORD = "p@ss/w#rd:1?x"
# ${NAME}, ${NAME:?message}, ${NAME:-default}: the forms compose.yaml uses.
_VARIABLE = re.compile(r"\$\{(\w+)(?::[?-][^}]*)?\}")


def resolved_environments(variables: dict[str, str]) -> dict[str, dict[str, str]]:
    """Each service's `environment`, its ${…} replaced the way compose fills them from .env."""
    services = yaml.safe_load((REPOSITORY / "compose.yaml").read_text(encoding="utf-8"))["services"]
    return {
        name: {
            key: _VARIABLE.sub(lambda m: variables[m[1]], str(value))
            for key, value in service.get("environment", {}).items()
        }
        for name, service in services.items()
    }


DATABASE_SERVICES = [
    name for name, env in resolved_environments({"POSTGRES_PASSWORD": ""}).items() if "DATABASE_URL" in env
]


def test_the_bot_and_the_web_inbox_both_read_the_database() -> None:
    assert set(DATABASE_SERVICES) == {"bot", "web"}


@pytest.mark.parametrize("service", DATABASE_SERVICES)
def test_a_password_with_url_characters_reaches_the_service_verbatim(service: str) -> None:
    environment = resolved_environments({"POSTGRES_PASSWORD": PASSWORD})[service]
    url = settings_from_env(environment).database_url
    assert url.password == PASSWORD
    assert (url.username, url.host, url.port, url.database) == ("quotebot", "postgres", 5432, "quotebot")


def test_the_bot_and_the_web_inbox_share_one_corpus_volume_at_the_images_corpus_folder() -> None:
    services = yaml.safe_load((REPOSITORY / "compose.yaml").read_text(encoding="utf-8"))["services"]
    for service in ("bot", "web"):
        assert "corpus:/app/seeds" in services[service]["volumes"], service
