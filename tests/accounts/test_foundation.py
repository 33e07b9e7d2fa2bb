from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from scormlms.logs import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db


def test_debug_is_off_unless_asked_for() -> None:
    code = "from scormlms import settings; print(settings.DEBUG)"
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
    assert settings.DEBUG is False


def test_unknown_url_is_a_404_page(client: Client) -> None:
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_pages_need_login(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/")


def test_json_endpoints_answer_401_json_when_logged_out(client: Client) -> None:
    # Any path under the API prefixes that resolves must answer JSON, not a redirect.
    response = client.get("/lms/enrolments/anything/state")
    assert response.status_code in {401, 404}
    if response.status_code == 401:
        assert response.json()["error"] == "not_authenticated"


def test_login_page_is_public_and_wrong_password_is_not_a_500(client: Client) -> None:
    get_user_model().objects.create_user("ana", password="right-password-1")
    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"username": "ana", "password": "wrong"})
    assert response.status_code == 200
    assert b"correct username and password" in response.content
    response = client.post("/accounts/login/", {"username": "ana", "password": "right-password-1"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_adduser_creates_learners_and_staff() -> None:
    call_command("adduser", "lee", "--password", "pw-lee-123")
    call_command("adduser", "sam", "--password", "pw-sam-123", "--staff")
    users = {u.username: u for u in get_user_model().objects.all()}
    assert not users["lee"].is_staff and users["lee"].check_password("pw-lee-123")
    assert users["sam"].is_staff


def test_every_response_carries_a_request_id(client: Client) -> None:
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="bad id with spaces")
    assert len(response["X-Request-ID"]) == 32


def test_log_lines_are_json_with_the_request_id() -> None:
    record = logging.LogRecord("scormlms.x", logging.INFO, __file__, 1, "commit", None, None)
    record.attempt_id = "a-1"
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["event"] == "commit"
    assert line["attempt_id"] == "a-1"
    assert line["request_id"] == "-"
    assert line["level"] == "INFO"


def test_data_dir_holds_the_secret_key(tmp_path: Path) -> None:
    code = "from scormlms import settings; print(settings.SECRET_KEY)"
    env = {"SCORMLMS_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert (tmp_path / "secret_key").read_text().strip() == first.stdout.strip()


def test_healthz_is_public_and_parses_json(client: Client) -> None:
    assert client.get("/healthz").json() == {"ok": True, "fields": 0}
    response = client.post("/healthz", data='{"a": 1, "b": 2}', content_type="application/json")
    assert response.json() == {"ok": True, "fields": 2}
    bad = client.post("/healthz", data="{", content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "body"
