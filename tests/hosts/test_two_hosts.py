"""Two hosts are one LMS: a session, a logout and a deactivation hold on both at once.

Each request names the host it goes to (its namespace address), so the test knows which host
answered; the same requests through HAProxy show the recipe of README "Production" at work.
Nothing here waits between the step on one host and the check on the other.
"""

from __future__ import annotations

import json
import uuid

import pytest

from tests.hosts.client import Learner, Reply, commit_body
from tests.hosts.cluster import Cluster

pytestmark = pytest.mark.hosts

_SCO = """
import json
from scormlms.tracking.models import Attempt
attempt = Attempt.objects.get(id={attempt_id!r})
sco = attempt.sco_attempts.get()
print(json.dumps({{
    "seq": sco.commit_seq,
    "location": sco.location,
    "suspendData": sco.suspend_data,
    "eventSeqs": [e.data["seq"] for e in attempt.events.filter(kind="commit").order_by("id")],
}}))
"""

_DEACTIVATE = """
import json
from django.contrib.auth import get_user_model
print(json.dumps(get_user_model().objects.filter(username={username!r}).update(is_active=False)))
"""


_NEW_PASSWORD = """
import json
from django.contrib.auth import get_user_model
user = get_user_model().objects.get(username={username!r})
user.set_password("a-new-password-1")
user.save()
print(json.dumps(True))
"""

# Expire the learner's sessions as their age would: the row's expiry date passes, and the cached
# copy goes (its timeout is the same age), as Django's cache would drop it at that moment.
_EXPIRE = """
import json
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.utils import timezone
pk = str(get_user_model().objects.get(username={username!r}).pk)
keys = [s.session_key for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == pk]
Session.objects.filter(session_key__in=keys).update(expire_date=timezone.now())
cache.delete_many(["django.contrib.sessions.cached_db" + key for key in keys])
print(json.dumps(len(keys)))
"""


def _state(cluster: Cluster) -> str:
    return f"/lms/enrolments/{cluster.course_id}/state"


def assert_logged_out(reply: Reply, *, api: bool) -> None:
    """What a request without a valid session gets: 401 JSON on an API path, else the login
    page."""
    if api:
        assert reply.status == 401, reply
        assert reply.json()["error"] == "not_authenticated", reply
    else:
        assert reply.status == 302, reply
        assert reply.headers["location"].startswith("/accounts/login/"), reply.headers


def test_haproxy_takes_turns_between_the_hosts(cluster: Cluster) -> None:
    probe = Learner("probe")
    sent = [uuid.uuid4().hex for _ in range(10)]
    for rid in sent:
        assert probe.get(cluster.proxy, "/healthz", {"X-Request-ID": rid}).status == 200
    served = [len(host.request_ids() & set(sent)) for host in cluster.hosts]
    assert served == [5, 5], f"round robin over two hosts, got {served}"


def test_a_learner_logged_in_on_one_host_commits_through_the_other(
    cluster: Cluster, learner: Learner
) -> None:
    one, other = cluster.hosts
    learner.log_in(one.url)
    start = learner.post_json(other.url, "/lms/attempt/start", {"courseId": cluster.course_id})
    assert start.status == 200, start
    started = start.json()
    first = started["launch"]["seq"] + 1
    # Alternate: each commit lands on the other host than the one before, then through HAProxy.
    bases = [other.url, one.url, other.url, cluster.proxy, cluster.proxy, cluster.proxy]
    for n, base in enumerate(bases):
        values = {"cmi.core.lesson_location": f"page-{n}", "cmi.suspend_data": f"data-{n}"}
        reply = learner.post_json(
            base, "/api/scorm/result", commit_body(started, first + n, values)
        )
        assert reply.status == 200, f"commit {n} through {base}: {reply}"
        assert reply.json()["stale"] is False, reply

    for host in cluster.hosts:
        state = learner.get(host.url, _state(cluster))
        assert state.status == 200, state
        assert state.json()["attemptId"] == started["attemptId"]
    stored = cluster.shell_json(_SCO.format(attempt_id=started["attemptId"]))
    last = len(bases) - 1
    assert stored == {
        "seq": first + last,
        "location": f"page-{last}",
        "suspendData": f"data-{last}",
        "eventSeqs": list(range(first, first + len(bases))),
    }


def test_logging_out_on_one_host_logs_out_on_the_other_at_once(
    cluster: Cluster, learner: Learner
) -> None:
    one, other = cluster.hosts
    learner.log_in(one.url)
    for host in cluster.hosts:  # both hosts have read (and may have cached) the session
        assert learner.get(host.url, _state(cluster)).status == 200
        assert learner.get(host.url, "/").status == 200
    started = learner.post_json(one.url, "/lms/attempt/start", {"courseId": cluster.course_id})
    assert started.status == 200, started
    # The browser forgets its cookie at logout; a copy (another tab's request already on its
    # way, a stolen cookie) must be worth nothing on every host.
    before = dict(learner.cookies)
    learner.log_out(other.url)
    assert "sessionid" not in learner.cookies

    commit = commit_body(started.json(), started.json()["launch"]["seq"] + 1, {})
    for base in (one.url, other.url, cluster.proxy):
        api = learner.request(base, "GET", _state(cluster), cookies=before)
        assert_logged_out(api, api=True)
        result = learner.request(
            base, "POST", "/api/scorm/result", json.dumps(commit).encode(), cookies=before
        )
        assert_logged_out(result, api=True)
        assert_logged_out(learner.request(base, "GET", "/", cookies=before), api=False)


def test_a_deactivated_learner_is_refused_by_both_hosts_at_once(
    cluster: Cluster, learner: Learner
) -> None:
    learner.log_in(cluster.proxy)
    for host in cluster.hosts:
        assert learner.get(host.url, _state(cluster)).status == 200
        assert learner.get(host.url, "/").status == 200

    assert cluster.shell_json(_DEACTIVATE.format(username=learner.username)) == 1

    for base in [h.url for h in cluster.hosts] + [cluster.proxy]:
        assert_logged_out(learner.get(base, _state(cluster)), api=True)
        assert_logged_out(learner.get(base, "/"), api=False)


def test_the_hosts_keep_sessions_in_the_one_redis(cluster: Cluster, learner: Learner) -> None:
    """REDIS_URL: both hosts cache sessions in the shared Redis (django.contrib.sessions'
    cached_db engine), so a logout deletes the one cached copy every host reads."""
    one, other = cluster.hosts
    learner.log_in(one.url)
    session = learner.cookies["sessionid"]
    keys = cluster.redis_keys()
    assert any(key.endswith(session) for key in keys), f"no key of session {session} in {keys}"
    assert learner.get(other.url, _state(cluster)).status == 200
    learner.log_out(other.url)
    keys = cluster.redis_keys()
    assert not any(key.endswith(session) for key in keys), keys


def test_a_password_changed_elsewhere_logs_out_on_both_hosts_at_once(
    cluster: Cluster, learner: Learner
) -> None:
    """Django's session hash: a password changed through the ORM (an admin, the shell) ends
    every session of the user on the next request to any host."""
    learner.log_in(cluster.proxy)
    for host in cluster.hosts:
        assert learner.get(host.url, _state(cluster)).status == 200
    assert cluster.shell_json(_NEW_PASSWORD.format(username=learner.username)) is True
    for base in [h.url for h in cluster.hosts] + [cluster.proxy]:
        assert_logged_out(learner.get(base, _state(cluster)), api=True)


def test_an_expired_session_is_refused_by_both_hosts(cluster: Cluster, learner: Learner) -> None:
    learner.log_in(cluster.proxy)
    for host in cluster.hosts:
        assert learner.get(host.url, _state(cluster)).status == 200
    assert cluster.shell_json(_EXPIRE.format(username=learner.username)) >= 1
    for base in [h.url for h in cluster.hosts] + [cluster.proxy]:
        assert_logged_out(learner.get(base, _state(cluster)), api=True)
