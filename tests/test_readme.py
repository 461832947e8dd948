"""The README's promises: its commands are the ones CI runs, its example answers as shown."""

from __future__ import annotations

import json
import re

from flask.testing import FlaskClient

from tests.paths import ROOT

README = (ROOT / "README.md").read_text()


def shell_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, flags=re.S)


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = next(block.strip() for block in shell_blocks() if "pytest" in block)
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines


def test_the_curl_example_returns_the_card_the_readme_shows(client: FlaskClient) -> None:
    curl = next(block for block in shell_blocks() if block.startswith("curl"))
    path = re.search(r"/cds-services/[\w-]+", curl)
    data = re.search(r"--data @(\S+)", curl)
    assert path and data
    shown = json.loads(re.findall(r"```json\n(.*?)```", README, flags=re.S)[0])

    answer = client.post(
        path.group(0), data=(ROOT / data.group(1)).read_bytes(), content_type="application/json"
    )
    assert answer.status_code == 200
    got = answer.get_json()

    def without_uuids(value: object) -> object:
        if isinstance(value, dict):
            return {k: without_uuids(v) for k, v in value.items() if k != "uuid"}
        if isinstance(value, list):
            return [without_uuids(v) for v in value]
        return value

    assert without_uuids(got) == without_uuids(shown)


def test_the_readme_lists_the_services_microcyte_registers(client: FlaskClient) -> None:
    for service in client.get("/cds-services").get_json()["services"]:
        assert f"`{service['id']}`" in README


def test_the_reference_redis_is_configured_as_the_readme_says_it_must_be() -> None:
    section = README[README.index("## Several instances") :]
    config = (ROOT / "deploy" / "redis.conf").read_text().splitlines()
    for setting in ("appendonly yes", "appendfsync always", "maxmemory-policy noeviction"):
        assert f"`{setting}`" in section
        assert setting in config
