"""One attempt for staff: raw values and CMI tree per SCO, interactions, objectives, events."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.dashboard.helpers import count_queries
from tests.tracking.conftest import make_course

pytestmark = pytest.mark.django_db

CMI_2004 = {
    "cmi": {
        "interactions": {
            "childArray": [
                {
                    "id": "q<1>",
                    "type": "choice",
                    "learner_response": "b",
                    "correct_responses": {"childArray": [{"pattern": "a"}]},
                    "result": "incorrect",
                    "latency": "PT12S",
                }
            ]
        },
        "objectives": {"0": {"id": "obj-1", "success_status": "passed"}},
    }
}


def test_access(learner_factory):
    course = make_course("c1")
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    staff = learner_factory("boss", staff=True)
    url = f"/staff/attempts/{started['attemptId']}/"
    assert ana.client.get(url).status_code == 403
    assert staff.client.get(url).status_code == 200
    assert staff.client.get(f"/staff/attempts/{uuid.uuid4()}/").status_code == 404
    assert staff.client.get("/staff/attempts/not-a-uuid/").status_code == 404


def test_raw_values_interactions_objectives_and_event_log(learner_factory):
    course = make_course("c1", items=[{"item_id": "sco1", "title": "The quiz"}])
    ana = learner_factory(enrol=[course])
    staff = learner_factory("boss", staff=True)
    started = ana.start("c1")
    ana.result(
        started,
        {"cmi.location": "page-4", "cmi.score.scaled": "0.5"},
        cmi=CMI_2004,
        log={"initialize": True, "setValueKeys": ["cmi.location", "cmi.score.scaled"]},
    )
    ana.result(
        started, {"cmi.completion_status": "completed", "cmi.location": "page-4"}, reason="finish"
    )
    body = staff.client.get(f"/staff/attempts/{started['attemptId']}/").content.decode()
    assert "ana · Course c1" in body
    assert '<code>cmi.location</code></th><td><code class="value">page-4</code>' in body
    interactions = body.split('<table class="interactions">')[1].split("</table>")[0]
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", interactions.split("<tbody>")[1], re.S)
    assert cells == [
        "0",
        "<code>q&lt;1&gt;</code>",
        "choice",
        "<code>b</code>",
        "<code>a</code>",
        "incorrect",
        "PT12S",
        "",
    ]
    assert "<code>obj-1</code></th><td>passed</td>" in body
    kinds = re.findall(r'<tr class="event-[a-z_]+" data-kind="([a-z_]+)">', body)
    assert kinds[0] == "start"
    assert {"initialize", "setvalue_keys", "commit", "finish", "complete"} <= set(kinds)
    assert "&quot;keys&quot;: [&quot;cmi.location&quot;, &quot;cmi.score.scaled&quot;]" in body
    assert 'The quiz <code class="muted">sco1</code>' in body
    assert '"learner_response": "b"' in body.replace("&quot;", '"')


def test_the_attempt_page_reads_a_fixed_number_of_queries(learner_factory):
    items = [{"item_id": f"s{i}"} for i in range(4)]
    course = make_course("c1", items=items)
    ana = learner_factory(enrol=[course])
    staff = learner_factory("boss", staff=True)
    first = ana.start("c1", itemId="s0")
    ana.result(first, {"cmi.location": "1"}, cmi=CMI_2004)
    url = f"/staff/attempts/{first['attemptId']}/"
    small = count_queries(lambda: staff.client.get(url))
    for i in range(1, 4):
        started = ana.start("c1", itemId=f"s{i}", attemptId=first["attemptId"])
        for _ in range(3):
            ana.result(started, {"cmi.location": "2"}, cmi=CMI_2004)
    assert count_queries(lambda: staff.client.get(url)) == small
