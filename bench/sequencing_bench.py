"""Sequencing state (issue 15): how large the engine's stored state is, and what a save of it
costs the server beside a commit, for golf ForcedSequential and a generated 100-leaf course.

    .venv/bin/python bench/sequencing_bench.py [--requests 200]

1. scorm-again's engine runs in node on each course's converted activity tree (the player's
   own steps: ``start``, then a fresh API per SCO from the serialized state, each SCO completed,
   passed and ``continue``d), and the state after ``--scos`` SCOs is measured: bytes of JSON as
   stored, and gzip'd for reference.
2. The Django app runs in this process on a throwaway PostgreSQL database (over its Unix
   socket) and takes ``--requests`` saves of that state (``POST /api/scorm/sequencing``, each a
   new seq) and as many commits (``POST /api/scorm/result`` with ``commit_bench.py``'s 13.7 KB
   body), interleaved in blocks, straight through its WSGI handler. Reported: the app's CPU per
   request (``time.process_time``; the database's own work is not counted) and the ratio.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    cmi_tree_2004,
    machine,
    parse_launch,
    pg_create,
    pg_drop,
    pg_socket_url,
    result_body_parts,
)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "golf"
FORCED = CORPUS / "SequencingForcedSequential_SCORM20043rdEdition.zip"
ENGINE = ROOT / "node_modules" / "scorm-again" / "dist" / "esm" / "scorm2004.js"
CSRF = "c" * 32

DRIVE = """
import { Scorm2004API } from "%s";
import { readFileSync } from "node:fs";
const { settings, scos } = JSON.parse(readFileSync(process.argv[2], "utf8"));
const make = (state) => {
  const api = new Scorm2004API({ logLevel: 5, sequencing: settings });
  if (state) api.deserializeSequencingState(state);
  return api;
};
let api = make();
api.processNavigationRequest("start");
for (let i = 0; i < scos; i++) {
  api = make(api.serializeSequencingState());
  api.Initialize("");
  api.SetValue("cmi.completion_status", "completed");
  api.SetValue("cmi.success_status", "passed");
  api.SetValue("cmi.score.scaled", "0.9");
  api.SetValue("adl.nav.request", "continue");
  api.Terminate("");
}
process.stdout.write("\\nSTATE " + api.serializeSequencingState() + "\\n");
"""


def manifest_100() -> bytes:
    """A SCORM 2004 course of 100 SCOs in flow, each with its own objective mapped globally."""
    items, resources = [], []
    for n in range(100):
        items.append(
            f'<item identifier="i{n}" identifierref="r{n}"><title>Lesson {n}</title>'
            "<imsss:sequencing><imsss:objectives>"
            f'<imsss:primaryObjective objectiveID="o{n}">'
            f'<imsss:mapInfo targetObjectiveID="g.o{n}" writeSatisfiedStatus="true"/>'
            "</imsss:primaryObjective></imsss:objectives></imsss:sequencing></item>"
        )
        resources.append(
            f'<resource identifier="r{n}" type="webcontent" adlcp:scormType="sco"'
            f' href="lesson{n}.html"><file href="lesson{n}.html"/></resource>'
        )
    return (
        '<?xml version="1.0"?>'
        '<manifest identifier="bench100" version="1"'
        ' xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"'
        ' xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"'
        ' xmlns:imsss="http://www.imsglobal.org/xsd/imsss">'
        "<metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion>"
        '</metadata><organizations default="org"><organization identifier="org">'
        "<title>100 lessons</title>" + "".join(items) + "<imsss:sequencing>"
        '<imsss:controlMode choice="true" flow="true"/></imsss:sequencing>'
        "</organization></organizations><resources>" + "".join(resources) + "</resources>"
        "</manifest>"
    ).encode()


def converted(manifest: bytes) -> dict[str, Any]:
    from scormlms.scorm.manifest import parse_manifest
    from scormlms.scorm.sequencing import build_sequencing

    sequencing = build_sequencing(parse_manifest(manifest))
    assert sequencing.has_sequencing
    return sequencing.settings


def engine_state(settings: dict[str, Any], scos: int) -> str:
    node = shutil.which("node")
    if node is None or not ENGINE.is_file():
        raise SystemExit("node and node_modules/scorm-again are needed (make install)")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "drive.mjs"
        script.write_text(DRIVE % ENGINE.as_uri())
        data = Path(tmp) / "in.json"
        data.write_text(json.dumps({"settings": settings, "scos": scos}))
        done = subprocess.run(
            [node, str(script), str(data)], capture_output=True, text=True, timeout=300
        )
    found = [line for line in done.stdout.splitlines() if line.startswith("STATE ")]
    if done.returncode != 0 or not found:
        raise SystemExit(f"node failed:\n{done.stderr[-2000:]}")
    return found[-1][6:]  # the engine logs deliveries on stdout too


def measure(courses: dict[str, tuple[str, str]], requests: int) -> dict[str, Any]:
    """The app's CPU per save of each course's state and per commit, in one process."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "scormlms.settings"
    django.setup()
    import logging

    from django.test import Client

    from scormlms.courses.models import Course, Enrolment
    from scormlms.courses.services import course_import

    logging.disable(logging.CRITICAL)
    from django.contrib.auth.models import User

    user = User.objects.create_user("learner", password="bench-password-1")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    client.cookies["csrftoken"] = CSRF

    def post(path: str, body: bytes) -> dict[str, Any]:
        response = client.generic(
            "POST", path, body, content_type="application/json", HTTP_X_CSRFTOKEN=CSRF
        )
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")
        data: dict[str, Any] = response.json()
        return data

    kinds: dict[str, Any] = {}
    for name, (manifest_zip, state) in courses.items():
        with Path(manifest_zip).open("rb") as fh:
            course = course_import(source=fh, course_id=name).course
        Enrolment.objects.create(learner=user, course=course)
        opened = post("/lms/attempt/open", json.dumps({"courseId": name}).encode())
        assert course.sequencing is not None
        first = course.sequencing["settings"]["activityTree"]["children"][0]["id"]
        body = {"courseId": name, "itemId": first, "attemptId": opened["attemptId"]}
        started = post("/lms/attempt/start", json.dumps(body).encode())
        seq = [0]

        def save(
            started: dict[str, Any] = started, state: str = state, seq: list[int] = seq
        ) -> None:
            seq[0] += 1
            post(
                "/api/scorm/sequencing",
                json.dumps(
                    {
                        "attemptId": started["attemptId"],
                        "token": started["launch"]["token"],
                        "seq": seq[0],
                        "state": state,
                        "activities": {},
                    }
                ).encode(),
            )

        kinds[f"save {name}, JSON"] = save
        packed = "gz:" + base64.b64encode(gzip.compress(state.encode())).decode()
        kinds[f"save {name}, gzip'd"] = lambda save=save, packed=packed: save(state=packed)
    plain = Course.objects.create(
        course_id="c2004", title="c2004", standard="2004", content_key="c2004/v1"
    )
    plain.items.create(position=0, item_id="sco1", title="SCO", launch_url="index.html")
    Enrolment.objects.create(learner=user, course=plain)
    started = post("/lms/attempt/start", json.dumps({"courseId": "c2004"}).encode())
    launch = parse_launch(started, "learner", "c2004")
    head, tail = result_body_parts(launch, cmi_tree_2004("learner"))
    commit_seq = [launch.seq]

    def commit() -> None:
        commit_seq[0] += 1
        post("/api/scorm/result", head + str(commit_seq[0]).encode() + tail)

    kinds["commit"] = commit
    if os.environ.get("SEQBENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        for _ in range(20):
            kinds["save leaves100, gzip'd"]()
        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    for run in kinds.values():  # warm up
        for _ in range(10):
            run()
    cpu = dict.fromkeys(kinds, 0.0)
    block = 20
    for _ in range(max(1, requests // block)):
        for name, run in kinds.items():
            began = time.process_time()
            for _ in range(block):
                run()
            cpu[name] += time.process_time() - began
    count = max(1, requests // block) * block
    return {name: total / count * 1000 for name, total in cpu.items()}


def package(manifest: bytes, files: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("imsmanifest.xml", manifest)
        for name in files:
            zf.writestr(name, "<html><body>lesson</body></html>")
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        spec = json.loads(Path(args.child).read_text())
        print("RESULT " + json.dumps(measure(spec["courses"], spec["requests"])))
        return
    sys.path.insert(0, str(ROOT / "src"))
    hundred = manifest_100()
    courses = {
        "forced": (FORCED, converted(zipfile.ZipFile(FORCED).read("imsmanifest.xml")), 4),
        "leaves100": (None, converted(hundred), 10),
    }
    tmp = Path(tempfile.mkdtemp(prefix="scormlms-seqbench-"))
    (tmp / "hundred.zip").write_bytes(package(hundred, [f"lesson{n}.html" for n in range(100)]))
    states = {}
    print(json.dumps(machine()))
    for name, (_, settings, scos) in courses.items():
        state = engine_state(settings, scos)
        states[name] = state
        size = len(state.encode())
        packed = len(gzip.compress(state.encode()))
        print(f"{name}: state after {scos} SCOs {size:,} bytes ({packed:,} gzip'd)", flush=True)
    spec = {
        "courses": {
            "forced": [str(FORCED), states["forced"]],
            "leaves100": [str(tmp / "hundred.zip"), states["leaves100"]],
        },
        "requests": args.requests,
    }
    (tmp / "spec.json").write_text(json.dumps(spec))
    url, name = pg_create("scormlms_seqbench")
    env = {**os.environ, "DATABASE_URL": pg_socket_url(url), "SCORMLMS_DATA_DIR": str(tmp)}
    try:
        subprocess.run(
            [sys.executable, "-m", "scormlms.cli", "migrate", "-v0"], env=env, check=True
        )
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(tmp / "spec.json")],
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    finally:
        pg_drop(name)
    if os.environ.get("SEQBENCH_PROFILE"):
        print(done.stderr[-12000:])
    found = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not found:
        raise SystemExit(f"the measuring process failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    cpu = json.loads(found[0][7:])
    for kind, ms in cpu.items():
        print(f"{kind}: {ms:.2f} ms app CPU per request ({ms / cpu['commit']:.2f}x a commit)")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
