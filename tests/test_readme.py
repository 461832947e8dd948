"""The README's promises: its commands are the ones CI runs, its example answers as shown."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from cds_hooks.blueprint import EXTENSION_KEY
from service.app import create_app
from service.cli import main
from service.examples import RECORDED_NOW
from tests.bodies import without_uuids
from tests.conftest import FIXTURE_NOW
from tests.paths import ROOT

README = (ROOT / "README.md").read_text()


def shell_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, flags=re.S)


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = next(block.strip() for block in shell_blocks() if "pytest" in block)
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines


def curl_example() -> tuple[list[str], str]:
    """The command that prints the request, and the service path curl posts it to."""
    block = next(block for block in shell_blocks() if "| curl" in block)
    printer, curl = block.split("|", 1)
    path = re.search(r"http://127\.0\.0\.1:8080(/cds-services/[\w-]+)", curl)
    assert path and "--data @-" in curl
    return printer.split()[1:], path.group(1)


def shown_answer(shift: timedelta = timedelta(0)) -> object:
    """The answer the README shows, its dates moved by ``shift`` as the example's are."""
    text = re.findall(r"```json\n(.*?)```", README, flags=re.S)[0]
    moved = re.sub(r"\d{4}-\d{2}-\d{2}", lambda m: (date.fromisoformat(m.group(0)) + shift).isoformat(), text)
    return without_uuids(json.loads(moved))


def run_printer(args: list[str]) -> bytes:
    assert args[0] == "example", args
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def test_the_curl_example_returns_the_card_the_readme_shows(client: FlaskClient) -> None:
    """On the day the README records (the test client's clock), the answer is exactly as shown."""
    printer, path = curl_example()
    body = run_printer([*printer, "--now", FIXTURE_NOW.date().isoformat()])
    answer = client.post(path, data=body, content_type="application/json")
    assert answer.status_code == 200
    assert without_uuids(answer.get_json()) == shown_answer()


@pytest.mark.parametrize("days_later", [0, 120, 3650])
def test_the_curl_example_stays_current(days_later: int) -> None:
    """Run as written on any later day, the example still gets the card, dated from that day."""
    today = datetime.now(UTC) + timedelta(days=days_later)
    app = create_app({"auth": {"enabled": False}})
    app.extensions[EXTENSION_KEY].clock = lambda: today
    printer, path = curl_example()
    body = run_printer([*printer, "--now", today.date().isoformat()] if days_later else printer)
    answer = app.test_client().post(path, data=body, content_type="application/json")
    assert answer.status_code == 200
    assert without_uuids(answer.get_json()) == shown_answer(today.date() - RECORDED_NOW)


def test_the_readme_lists_the_services_microcyte_registers(client: FlaskClient) -> None:
    for service in client.get("/cds-services").get_json()["services"]:
        assert f"`{service['id']}`" in README


def test_the_reference_redis_is_configured_as_the_readme_says_it_must_be() -> None:
    section = README[README.index("## Several instances") :]
    config = (ROOT / "deploy" / "redis.conf").read_text().splitlines()
    for setting in ("appendonly yes", "appendfsync always", "maxmemory-policy noeviction"):
        assert f"`{setting}`" in section
        assert setting in config
