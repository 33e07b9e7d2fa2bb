"""Load soak (issue 7): many learners running whole sessions for minutes; errors and memory.

    .venv/bin/python bench/soak.py                       # 200 learners, 300 s, PostgreSQL
    .venv/bin/python bench/soak.py --duration 60 --learners 50      # a quick look

A fresh PostgreSQL database and data dir, one SCORM 2004 course, ``--learners`` enrolled
learners who log in through the real login form (Django's default PBKDF2 hasher: the logins
are set-up, before the measured part). Then every learner, on its own keep-alive connection,
runs full sessions back to back until ``--duration`` is over (a running session is finished,
never cut): ``POST /lms/attempt/start`` (CSRF header), 10 commits to ``/api/scorm/result``
(13.7 KB each: key fields, 4 KB suspend_data, 10 interactions; the first one carries the
Initialize/SetValue log), then a ``finish`` that completes and passes the SCO — which closes
the attempt and issues its PDF certificate, so the next start opens a new attempt.
``--think`` seconds pass between two requests of a learner (0 = as fast as the server goes);
``--sessions N`` stops each learner after N sessions (``--sessions 1 --think 24``: each of the
200 learners runs exactly one session, spread over about 5 minutes).

Reported: sessions and requests per second, p50/p99 latency per request kind, errors (any
answer but 200 ``ok``, any stale commit, any connection error), and the resident memory (RSS
from /proc) of the server's main process and workers sampled every ``--sample`` seconds: first,
last, maximum and the slope over the second half. Afterwards the database must hold exactly
the acknowledged commits, one finished attempt and one certificate per finished session.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    Browser,
    Scormlms,
    Tally,
    cmi_tree_2004,
    fmt,
    json_flag,
    loadavg,
    machine,
    memory_sampler,
    parallel,
    parse_launch,
    result_body_parts,
    run_processes,
    sampling,
    scormlms_login,
    split,
    summary,
    timed_request,
)

COURSE = "soak2004"
PASSWORD = "soak-password-1"
KINDS = ("start", "commit", "finish")
COMMITS = 10
START_BODY = json.dumps({"courseId": COURSE}).encode()
SET_VALUE_KEYS = [
    "cmi.location",
    "cmi.suspend_data",
    "cmi.completion_status",
    "cmi.score.raw",
    "cmi.score.min",
    "cmi.score.max",
    "cmi.score.scaled",
    "cmi.interactions.0.id",
    "cmi.interactions.0.type",
    "cmi.interactions.0.learner_response",
]


def _session(browser: Browser, name: str, tallies: dict[str, Tally], think: float) -> bool:
    """One full session; True when every request of it was acknowledged."""
    cmi = cmi_tree_2004(name)

    def timed(kind: str, raw: bytes) -> bytes | None:
        def acknowledged(body: bytes) -> bool:
            return json_flag(body, "ok", "true") and (
                kind == "start" or json_flag(body, "stale", "false")
            )

        body = timed_request(browser, tallies[kind], raw, acknowledged, label=kind)
        if body is not None and think:
            time.sleep(think)
        return body

    started = time.monotonic()
    body = timed("start", browser.build("POST", "/lms/attempt/start", START_BODY))
    if body is None:
        return False
    launch = parse_launch(json.loads(body), name, COURSE)
    head, tail = result_body_parts(
        launch, cmi, log={"initialize": True, "setValueKeys": SET_VALUE_KEYS}
    )
    plain_head, plain_tail = result_body_parts(launch, cmi)
    seq = launch.seq
    for n in range(COMMITS):
        seq += 1
        h, t = (head, tail) if n == 0 else (plain_head, plain_tail)
        raw = browser.build("POST", "/api/scorm/result", h + str(seq).encode() + t)
        if timed("commit", raw) is None:
            return False
    done = dict(cmi)
    done.update(
        completion_status="completed",
        success_status="passed",
        progress_measure="1",
        exit="normal",
        score={"scaled": "0.9", "raw": "90", "min": "0", "max": "100"},
    )
    h, t = result_body_parts(launch, done, reason="finish")
    seq += 1
    if timed("finish", browser.build("POST", "/api/scorm/result", h + str(seq).encode() + t)):
        tallies["session"].count += 1
        tallies["session"].latencies.append(time.monotonic() - started)
        return True
    return False


def _learner(
    base: str,
    learner: dict[str, Any],
    limits: tuple[float, int],
    think: float,
    tallies: dict[str, Tally],
) -> None:
    deadline, sessions = limits
    browser = Browser(base)
    for cookie, value in learner["cookies"].items():
        browser.set_cookie(cookie, value)
    browser.extra_headers["X-CSRFToken"] = learner["cookies"]["csrftoken"]
    done = 0
    while time.monotonic() < deadline and (not sessions or done < sessions):
        done += 1
        if not _session(browser, learner["username"], tallies, think):
            time.sleep(1.0)  # an error was counted; do not spin on a broken server
    browser.conn.close()


def load_process(
    base: str,
    learners: list[dict[str, Any]],
    limits: tuple[float, int],
    think: float,
    stagger: float,
) -> dict[str, Any]:
    per_thread = [{k: Tally() for k in (*KINDS, "session")} for _ in learners]
    threads = []
    for learner, tallies in zip(learners, per_thread, strict=True):

        def run(learner: dict[str, Any] = learner, tallies: dict[str, Tally] = tallies) -> None:
            _learner(base, learner, limits, think, tallies)

        thread = threading.Thread(target=run)
        threads.append(thread)
        thread.start()
        time.sleep(stagger)  # learners arrive over the first seconds, not all at once
    for thread in threads:
        thread.join()
    merged = {k: Tally() for k in (*KINDS, "session")}
    for tallies in per_thread:
        for kind, tally in tallies.items():
            merged[kind].add(tally)
    return {"tallies": {k: t.__dict__ for k, t in merged.items()}}


def verify(lms: Scormlms) -> dict[str, Any]:
    out = lms.shell(
        "import json\n"
        "from django.db.models import Sum\n"
        "from scormlms.tracking.models import Attempt, Certificate, ScoAttempt\n"
        "print(json.dumps({\n"
        "  'commits': ScoAttempt.objects.aggregate(n=Sum('commit_count'))['n'] or 0,\n"
        "  'finished': Attempt.objects.filter(finished_at__isnull=False).count(),\n"
        "  'completed': Attempt.objects.filter(status='Completed').count(),\n"
        "  'attempts': Attempt.objects.count(),\n"
        "  'certificates': Certificate.objects.count()}))\n"
    )
    return json.loads(out.strip().splitlines()[-1])


def slope_mb_per_min(samples: list[tuple[float, int, Any]]) -> float:
    half = samples[len(samples) // 2 :]
    if len(half) < 3:
        return float("nan")
    xs = [s[0] for s in half]
    ys = [s[1] / 1024 for s in half]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return 60 * sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of load")
    parser.add_argument("--think", type=float, default=1.0, help="seconds between requests")
    parser.add_argument(
        "--sessions", type=int, default=0, help="sessions per learner at most (0: until the end)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--procs", type=int, default=4, help="load generator processes")
    parser.add_argument("--sample", type=float, default=5.0, help="RSS sampling interval")
    parser.add_argument("--json", type=Path, help="write all figures here")
    args = parser.parse_args()
    info = machine()
    print(
        f"machine: {info['nproc']} cores, {info['cpu']}, load average {info['loadavg']}, "
        f"Python {info['python']}, scormlms {info['commit']}"
    )
    print(
        f"{args.learners} learners, {args.duration:g} s, think {args.think:g} s, "
        f"sessions per learner {args.sessions or 'unlimited'}, granian "
        f"{args.workers}x{args.threads}, {args.procs} load processes"
    )
    with Scormlms("postgres", tag="soak") as lms:
        lms.make_course(COURSE, standard="2004")
        names = lms.make_learners("soaker", args.learners, COURSE, PASSWORD)
        server = lms.start(workers=args.workers, threads=args.threads)
        t = time.monotonic()
        browsers = parallel(lambda n: (n, scormlms_login(server.url, n, PASSWORD)), names, 8)
        login_seconds = time.monotonic() - t
        learners = []
        for name, browser in browsers:
            learners.append({"username": name, "cookies": dict(browser.cookies)})
            browser.conn.close()
        print(f"logins: {login_seconds:.1f} s; load average now {loadavg()}")

        samples: list[Any] = []
        stop = threading.Event()
        sampler = threading.Thread(target=memory_sampler, args=(server, args.sample, stop, samples))
        cpu0 = server.cpu()
        started = time.monotonic()
        deadline = started + args.duration
        stagger = min(0.05, 10.0 / max(args.learners, 1))
        jobs = [
            (server.url, part, (deadline, args.sessions), args.think, stagger * args.procs)
            for part in split(learners, args.procs)
        ]
        with sampling(server.meters()):
            sampler.start()
            results = run_processes(load_process, jobs, timeout=args.duration + 600)
            wall = time.monotonic() - started
            stop.set()
            sampler.join()
        cpu1 = server.cpu()
        lms.stop()
        check = verify(lms)

    tallies = {k: Tally() for k in (*KINDS, "session")}
    for result in results:
        for kind, raw in result["tallies"].items():
            tallies[kind].add(Tally(**raw))
    requests = sum(tallies[k].count for k in KINDS)
    errors = sum(tallies[k].errors for k in KINDS)
    sessions = tallies["session"].count
    client_cpu = sum(r["client_cpu"] for r in results)
    figures: dict[str, Any] = {
        "machine": info,
        "args": vars(args) | {"json": None},
        "login_seconds": login_seconds,
        "wall_seconds": wall,
        "sessions": sessions,
        "sessions_per_s": sessions / wall,
        "requests": requests,
        "requests_per_s": requests / wall,
        "errors": errors,
        "error_samples": [s for k in KINDS for s in tallies[k].samples][:5],
        "server_cpu_ms_per_request": 1000 * (sum(cpu1) - sum(cpu0)) / max(requests, 1),
        "server_cpu_cores": (sum(cpu1) - sum(cpu0)) / wall,
        "client_cpu_cores": client_cpu / wall,
        "kinds": {k: {"count": tallies[k].count, **summary(tallies[k].latencies)} for k in KINDS},
        "session_seconds": summary(tallies["session"].latencies),
        "verify": check,
        "loadavg_after": loadavg(),
    }
    rss = [s[1] for s in samples]
    figures["rss_mb"] = {
        "first": rss[0] / 1024,
        "last": rss[-1] / 1024,
        "max": max(rss) / 1024,
        "min": min(rss) / 1024,
        "after_60s": next((s[1] for s in samples if s[0] >= 60), rss[-1]) / 1024,
        "slope_second_half_mb_per_min": slope_mb_per_min(samples),
        "per_process_first_last": {
            str(pid): (samples[0][2].get(pid, 0) / 1024, samples[-1][2].get(pid, 0) / 1024)
            for pid in samples[-1][2]
        },
        "series": [(round(s[0], 1), round(s[1] / 1024, 1)) for s in samples],
    }
    print_report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


def print_report(f: dict[str, Any]) -> None:
    print(
        f"\n{f['sessions']} sessions in {f['wall_seconds']:.0f} s = {f['sessions_per_s']:.2f}/s; "
        f"{f['requests']} requests = {f['requests_per_s']:.1f}/s; errors {f['errors']}"
    )
    for sample in f["error_samples"]:
        print(f"    e.g. {sample}")
    print(f"{'request':<10}{'count':>9}{'p50 ms':>10}{'p99 ms':>10}")
    for kind, k in f["kinds"].items():
        print(f"{kind:<10}{k['count']:>9}{fmt(k['p50_ms'], 1):>10}{fmt(k['p99_ms'], 1):>10}")
    s = f["session_seconds"]
    print(f"a whole session: p50 {s['p50_ms'] / 1000:.1f} s, p99 {s['p99_ms'] / 1000:.1f} s")
    print(
        f"server CPU {f['server_cpu_ms_per_request']:.1f} ms per request "
        f"({f['server_cpu_cores']:.2f} cores, app + PostgreSQL); "
        f"load generator {f['client_cpu_cores']:.2f} cores"
    )
    m = f["rss_mb"]
    print(
        f"RSS of the server's processes: first {m['first']:.1f} MB, after 60 s "
        f"{m['after_60s']:.1f} MB, last {m['last']:.1f} MB, max {m['max']:.1f} MB; slope over "
        f"the second half {m['slope_second_half_mb_per_min']:+.2f} MB/min"
    )
    for pid, (first, last) in m["per_process_first_last"].items():
        print(f"    pid {pid}: {first:.1f} → {last:.1f} MB")
    v = f["verify"]
    print(
        f"database: {v['commits']} commits stored (acknowledged: "
        f"{f['kinds']['commit']['count'] + f['kinds']['finish']['count']}), "
        f"{v['finished']} finished / {v['completed']} completed attempts of {v['attempts']}, "
        f"{v['certificates']} certificates; load average after {f['loadavg_after']}"
    )


if __name__ == "__main__":
    main()
