"""Commit throughput of the production server (issue 4), side by side with its no-op baseline.

    .venv/bin/python bench/commit_bench.py                      # PostgreSQL, 2 workers x 4 threads
    .venv/bin/python bench/commit_bench.py --db postgres,sqlite --configs 2x4,2x8,2x2,3x4

For each database: a fresh data dir and database, one SCORM 2004 course, 50 learners who log
in through the real login form and each start their own attempt. Then, against the same
``scormlms serve`` process, the same 50 learners (one keep-alive connection each, closed loop)
run interleaved windows — rounds of

* ``commit``: ``POST /api/scorm/result`` with every 2004 key field, 4 KB suspend_data and a cmi
  tree with 10 interactions (about 13.7 KB of JSON), seq increasing per learner;
* ``healthz``: ``POST /healthz`` with a body of exactly the same bytes and no cookie (the no-op
  JSON endpoint, as a load balancer calls it);
* ``state``: ``GET /lms/enrolments/<courseId>/state``;
* ``healthz_session``: the same ``POST /healthz`` with the learner's session cookie (what
  authentication alone costs: Django's LoginRequiredMiddleware looks the user up first);
* ``floor`` (only with ``--floor``): ``POST /bench/floor`` with the commit's bytes and the
  session cookie, a view that logs the learner in from the session like every page, parses the
  body and stores its cmi tree and suspend_data in the learner's row with one ``UPDATE``, and
  checks nothing else (``floor/floor_urls.py``): the least work any commit has to do, through
  the same server. The server then runs with ``floor/floor_settings.py``, which is
  the production settings plus that one URL.

The order of the kinds rotates from round to round. Server CPU per request is the utime+stime of
the server (main process and workers) plus the PostgreSQL backends of the bench database, read
from /proc at the window edges. Every commit must answer 200 with ``"stale": false``; at the end
the database must hold exactly the acknowledged commits (sum of ``commit_count``) and each
learner's last seq.

``--profile SECONDS`` then samples both workers with py-spy (``--gil``: CPU, not waiting; it
is installed into a throwaway virtualenv under the temp dir when missing) during one window of
commits, one of healthz and one of state, and prints the top functions by own and inclusive
time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    Browser,
    Launch,
    Scormlms,
    Tally,
    cmi_tree_2004,
    fmt,
    json_flag,
    loadavg,
    machine,
    parallel,
    result_body_parts,
    run_processes,
    sampling,
    scormlms_login,
    split,
    start_attempt,
    summary,
)

COURSE = "bench2004"
PASSWORD = "bench-password-1"
KINDS = ("commit", "healthz", "state", "healthz_session")
FLOOR_KIND = "floor"
FLOOR_ENV = {
    "DJANGO_SETTINGS_MODULE": "floor_settings",
    "PYTHONPATH": str(Path(__file__).resolve().parent / "floor"),
}
GAP = 0.5  # idle seconds between windows so one window's requests never count in the next


# ------------------------------------------------------------------------- load process


def _learner_loop(
    base: str,
    learner: dict[str, Any],
    schedule: list[tuple[str, float, float]],
    tallies: list[Tally],
    out: dict[str, Any],
) -> None:
    browser = Browser(base)
    for name, value in learner["cookies"].items():
        browser.set_cookie(name, value)
    head, tail = learner["head"], learner["tail"]
    seq = learner["seq"]
    acked = 0
    # The no-op baseline is what a load balancer sends: no cookie, so no session or user
    # lookup; "healthz_session" is the same request with the learner's session cookie.
    noop_body = head + str(seq + 1).encode() + tail
    healthz_session = browser.build("POST", "/healthz", noop_body)
    healthz = Browser(base).build("POST", "/healthz", noop_body)
    floor = browser.build("POST", "/bench/floor", noop_body)
    state = browser.build("GET", f"/lms/enrolments/{COURSE}/state")
    browser.conn.request(browser.build("GET", "/healthz"))  # open the connection beforehand
    for index, (kind, t0, t1) in enumerate(schedule):
        tally = tallies[index]
        pause = t0 - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        while True:
            started = time.monotonic()
            if started >= t1:
                break
            if kind == "commit":
                seq += 1
                raw = browser.build("POST", "/api/scorm/result", head + str(seq).encode() + tail)
            else:
                raw = {
                    "healthz": healthz,
                    "state": state,
                    "healthz_session": healthz_session,
                    FLOOR_KIND: floor,
                }[kind]
            sent, received = browser.conn.sent_bytes, browser.conn.received_bytes
            try:
                status, _, body = browser.conn.request(raw)
            except OSError as error:
                tally.error(f"{kind}: {type(error).__name__}: {error}")
                browser.conn.close()
                continue
            ended = time.monotonic()
            ok = status == 200
            if kind in ("commit", FLOOR_KIND) and ok:
                ok = json_flag(body, "stale", "false") and json_flag(body, "ok", "true")
                acked += ok and kind == "commit"
            if ended > t1:
                break  # finished after the window closed: not counted in it
            tally.count += 1
            tally.latencies.append(ended - started)
            tally.sent += browser.conn.sent_bytes - sent
            tally.received += browser.conn.received_bytes - received
            if not ok:
                tally.error(f"{kind}: {status} {body[:200]!r}")
    browser.conn.close()
    out[learner["username"]] = {"seq": seq, "acked": acked, "reconnects": browser.conn.reconnects}


def load_process(
    base: str, learners: list[dict[str, Any]], schedule: list[tuple[str, float, float]]
) -> dict[str, Any]:
    per_thread = [[Tally() for _ in schedule] for _ in learners]
    out: dict[str, Any] = {}
    threads = [
        threading.Thread(target=_learner_loop, args=(base, learner, schedule, tallies, out))
        for learner, tallies in zip(learners, per_thread, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    merged = [Tally() for _ in schedule]
    for tallies in per_thread:
        for total, part in zip(merged, tallies, strict=True):
            total.add(part)
    return {"tallies": [t.__dict__ for t in merged], "learners": out}


# ------------------------------------------------------------------------------- a run


def make_schedule(
    rounds: int, seconds: float, warmup: float, start: float, kinds: tuple[str, ...]
) -> list[Any]:
    schedule = []
    t = start
    if warmup:
        schedule.append(("warmup", t, t + warmup))
        t += warmup + GAP
    for r in range(rounds):
        shift = r % len(kinds)
        order = kinds[shift:] + kinds[:shift]  # rotate so no kind always follows another
        for kind in order:
            schedule.append((kind, t, t + seconds))
            t += seconds + GAP
    return schedule


def run_windows(
    server: Any,
    learners: list[dict[str, Any]],
    schedule_spec: tuple[int, float, float] | tuple[str, float],
    procs: int,
    kinds: tuple[str, ...] = KINDS,
) -> dict[str, Any]:
    """Run the windows; ``schedule_spec`` is (rounds, seconds, warm-up) or (kind, seconds)."""
    start = time.monotonic() + 2.0
    if len(schedule_spec) == 2:
        kind, seconds = schedule_spec
        schedule = [(str(kind), start, start + float(seconds))]
    else:
        schedule = make_schedule(*schedule_spec, start, kinds)
    # warm-up windows are commits
    wire = [("commit" if k == "warmup" else k, a, b) for k, a, b in schedule]
    cpu_marks: list[tuple[float, float]] = []

    def mark_cpu() -> None:
        for _, t0, t1 in schedule:
            for t in (t0, t1):
                pause = t - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                cpu_marks.append(server.cpu())

    marker = threading.Thread(target=mark_cpu)
    jobs = [(server.url, part, wire) for part in split(learners, procs)]
    total = schedule[-1][2] - time.monotonic() + 120
    with sampling(server.meters()):
        marker.start()
        results = run_processes(load_process, jobs, timeout=total)
        marker.join()
    windows = []
    for index, (kind, t0, t1) in enumerate(schedule):
        tally = Tally()
        for result in results:
            tally.add(Tally(**result["tallies"][index]))
        (app0, db0), (app1, db1) = cpu_marks[2 * index], cpu_marks[2 * index + 1]
        windows.append(
            {
                "kind": kind,
                "seconds": t1 - t0,
                "tally": tally,
                "app_cpu": app1 - app0,
                "db_cpu": db1 - db0,
            }
        )
    for result in results:
        for learner in learners:
            info = result["learners"].get(learner["username"])
            if info:
                learner["seq"] = info["seq"]
                learner["acked"] = learner.get("acked", 0) + info["acked"]
                learner["reconnects"] = learner.get("reconnects", 0) + info["reconnects"]
    client_cpu = sum(r["client_cpu"] for r in results)
    wall = schedule[-1][2] - schedule[0][1]
    return {"windows": windows, "client_cpu_share": client_cpu / wall, "kinds": kinds}


def report_config(label: str, run: dict[str, Any]) -> dict[str, Any]:
    by_kind: dict[str, list[dict[str, Any]]] = {k: [] for k in run["kinds"]}
    for w in run["windows"]:
        if w["kind"] in by_kind:
            by_kind[w["kind"]].append(w)
    figures: dict[str, Any] = {
        "config": label,
        "client_cpu_share": run["client_cpu_share"],
        "kinds": run["kinds"],
    }
    for kind, windows in by_kind.items():
        rates = [w["tally"].count / w["seconds"] for w in windows]
        latencies = [x for w in windows for x in w["tally"].latencies]
        count = sum(w["tally"].count for w in windows)
        cpu = sum(w["app_cpu"] + w["db_cpu"] for w in windows)
        figures[kind] = {
            "rates": rates,
            "rate": statistics.median(rates),
            "errors": sum(w["tally"].errors for w in windows),
            "samples": [s for w in windows for s in w["tally"].samples][:3],
            "count": count,
            "req_bytes": sum(w["tally"].sent for w in windows) / max(count, 1),
            "resp_bytes": sum(w["tally"].received for w in windows) / max(count, 1),
            "app_cpu_ms": 1000 * sum(w["app_cpu"] for w in windows) / max(count, 1),
            "db_cpu_ms": 1000 * sum(w["db_cpu"] for w in windows) / max(count, 1),
            "cpu_ms": 1000 * cpu / max(count, 1),
            **summary(latencies),
        }
    # Ratios per round: each commit window against the healthz window of the same round.
    commits, noops = by_kind["commit"], by_kind["healthz"]
    figures["ratio_per_round"] = [
        (c["tally"].count / c["seconds"]) / (h["tally"].count / h["seconds"])
        for c, h in zip(commits, noops, strict=True)
    ]
    figures["ratio"] = figures["commit"]["rate"] / figures["healthz"]["rate"]
    if FLOOR_KIND in figures:
        figures["floor_ratio"] = figures[FLOOR_KIND]["rate"] / figures["healthz"]["rate"]
    return figures


def print_config(db: str, f: dict[str, Any]) -> None:
    print(f"\n[{db}] {f['config']} — client CPU {f['client_cpu_share']:.2f} cores")
    print(
        f"{'endpoint':<16}{'req/s':>9}{'per round':>24}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}{'CPU ms/req':>12}{'(app+db)':>14}{'req B':>8}{'resp B':>8}"
    )
    for kind in f["kinds"]:
        k = f[kind]
        rounds = "/".join(fmt(r) for r in k["rates"])
        print(
            f"{kind:<16}{fmt(k['rate']):>9}{rounds:>24}{fmt(k['p50_ms'], 1):>9}"
            f"{fmt(k['p99_ms'], 1):>9}{k['errors']:>8}{fmt(k['cpu_ms'], 2):>12}"
            f"{fmt(k['app_cpu_ms'], 2) + '+' + fmt(k['db_cpu_ms'], 2):>14}"
            f"{fmt(k['req_bytes']):>8}{fmt(k['resp_bytes']):>8}"
        )
        for sample in k["samples"]:
            print(f"    e.g. {sample}")
    ratios = ", ".join(f"{r:.2f}" for r in f["ratio_per_round"])
    print(f"commit / healthz: {f['ratio']:.2f} (per round: {ratios})")
    if "floor_ratio" in f:
        print(f"floor / healthz: {f['floor_ratio']:.2f}")


def verify(lms: Scormlms, learners: list[dict[str, Any]]) -> dict[str, Any]:
    """The database holds every acknowledged commit, once, with each learner's last seq."""
    out = lms.shell(
        "import json\n"
        "from django.db.models import Sum\n"
        "from scormlms.tracking.models import ScoAttempt\n"
        "rows = ScoAttempt.objects.values_list('attempt__learner__username', 'commit_seq')\n"
        "print(json.dumps({'seqs': dict(rows), 'commits': ScoAttempt.objects.aggregate("
        "n=Sum('commit_count'))['n']}))\n"
    )
    data = json.loads(out.strip().splitlines()[-1])
    acked = sum(learner.get("acked", 0) for learner in learners)
    wrong_seq = [
        learner["username"]
        for learner in learners
        if data["seqs"].get(learner["username"]) != learner["seq"]
    ]
    return {"acked": acked, "stored": data["commits"], "wrong_seq": wrong_seq}


# ----------------------------------------------------------------------------- profiling


def pyspy_binary() -> str:
    venv = Path(tempfile.gettempdir()) / "scormlms-bench-pyspy"
    binary = venv / "bin" / "py-spy"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "-r", str(PEERS_REQ / "pyspy.txt")],
            check=True,
        )
    return str(binary)


PEERS_REQ = Path(__file__).resolve().parent / "peers"


def profile(
    server: Any, learners: list[dict[str, Any]], procs: int, seconds: float
) -> dict[str, str]:
    """py-spy (only threads holding the GIL: CPU, not waiting) on every worker, one window of
    each kind of request."""
    from common import descendants

    spy = pyspy_binary()
    workers = [p for p in descendants(server.proc.pid) if p != server.proc.pid]
    profiles = {}
    run_windows(server, learners, (1, 2, 2), procs)  # first requests import code: not profiled
    for kind in KINDS[:3]:
        outdir = Path(tempfile.mkdtemp(prefix=f"scormlms-profile-{kind}-"))
        spies = [
            subprocess.Popen(
                [
                    spy,
                    "record",
                    "--pid",
                    str(pid),
                    "--duration",
                    str(int(seconds)),
                    "--rate",
                    "250",
                    "--gil",
                    "--format",
                    "raw",
                    "--output",
                    str(outdir / f"{pid}.txt"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for pid in workers
        ]
        time.sleep(1.0)
        run_windows(server, learners, (kind, seconds - 4), procs)
        for s in spies:
            s.wait(timeout=120)
        profiles[kind] = summarise_stacks(sorted(outdir.glob("*.txt")))
        print(f"py-spy stacks of {kind}: {outdir}")
    return profiles


def summarise_stacks(files: list[Path], top: int = 25) -> str:
    """Own time and inclusive time per function from py-spy's collapsed stacks."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for path in files:
        for line in path.read_text().splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count = int(count_text)
            frames = [_frame(f) for f in stack.split(";")]
            # py-spy leaves out idle threads; keep the samples that are inside a request
            if not any("handle_request" in f for f in frames):
                continue
            total += count
            own[frames[-1]] += count
            for frame in set(frames):
                inclusive[frame] += count
    if not total:
        return "no samples (is py-spy allowed to ptrace the workers?)"
    lines = [f"busy samples: {total}", "", "own time (top):"]
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in own.most_common(top)]
    lines += ["", "inclusive time (top, scormlms and django frames):"]
    interesting = [(f, n) for f, n in inclusive.most_common() if _ours(f)]
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in interesting[: top * 2]]
    return "\n".join(lines)


def _frame(raw: str) -> str:
    """``Class.method (path/to/file.py:123)`` → ``Class.method (file path from the package)``."""
    name, _, where = raw.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/src/", "/lib/python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{name} ({where})"


def _ours(frame: str) -> bool:
    return any(p in frame for p in ("scormlms/", "django/", "psycopg/", "whitenoise/", "fpdf/"))


# ---------------------------------------------------------------------------------- main


def parse_config(raw: str) -> tuple[int, int, frozenset[str]]:
    """``WORKERSxTHREADS`` with options after ``+``: ``2x4+socket`` (PostgreSQL over its Unix
    socket instead of TCP loopback), ``2x4+gunicorn`` (``serve --server gunicorn``; granian
    otherwise, ``serve``'s default)."""
    size, *options = raw.split("+")
    workers, threads = (int(x) for x in size.split("x"))
    unknown = set(options) - {"socket", "gunicorn"}
    if unknown:
        raise SystemExit(f"unknown config options {sorted(unknown)} in {raw!r}")
    return workers, threads, frozenset(options)


def start_config(lms: Scormlms, config: tuple[int, int, frozenset[str]], floor: bool) -> Any:
    workers, threads, options = config
    return lms.start(
        workers=workers,
        threads=threads,
        pg_socket="socket" in options,
        server="gunicorn" if "gunicorn" in options else "granian",
        extra_env=FLOOR_ENV if floor else None,
    )


def bench_db(db: str, args: argparse.Namespace) -> dict[str, Any]:
    configs = [parse_config(c) for c in args.configs.split(",")]
    kinds = (*KINDS, FLOOR_KIND) if args.floor else KINDS
    results: dict[str, Any] = {"db": db, "configs": []}
    with Scormlms(db, tag="commit", src=args.src) as lms:
        lms.make_course(COURSE, standard="2004")
        names = lms.make_learners("learner", args.learners, COURSE, PASSWORD)
        workers, threads, options = configs[0]
        server = start_config(lms, configs[0], args.floor)
        t = time.monotonic()
        browsers = parallel(lambda n: (n, scormlms_login(server.url, n, PASSWORD)), names, 8)
        results["login_seconds"] = time.monotonic() - t
        learners = []
        for name, browser in browsers:
            launch: Launch = start_attempt(browser, name, COURSE)
            head, tail = result_body_parts(launch, cmi_tree_2004(name))
            learners.append(
                {
                    "username": name,
                    "cookies": dict(browser.cookies),
                    "head": head,
                    "tail": tail,
                    "seq": launch.seq,
                }
            )
            browser.conn.close()
        results["body_bytes"] = len(learners[0]["head"]) + len(learners[0]["tail"]) + 2
        for index, (workers, threads, options) in enumerate(configs):
            if index:
                lms.stop()
                server = start_config(lms, (workers, threads, options), args.floor)
            load = loadavg()
            run = run_windows(
                server, learners, (args.rounds, args.seconds, args.warmup), args.procs, kinds
            )
            label = "+".join([f"{workers}x{threads}", *sorted(options)])
            figures = report_config(label, run)
            figures["loadavg_before"] = load
            print_config(db, figures)
            results["configs"].append(figures)
        if args.profile:
            workers, threads, options = configs[0]
            lms.stop()
            server = start_config(lms, configs[0], args.floor)
            results["profile"] = profile(server, learners, args.procs, args.profile)
            for kind, text in results["profile"].items():
                print(f"\n[{db}] py-spy profile of {kind} ({workers}x{threads}):")
                print(text)
        lms.stop()
        results["verify"] = verify(lms, learners)
        results["reconnects"] = sum(learner.get("reconnects", 0) for learner in learners)
        v = results["verify"]
        print(
            f"\n[{db}] acknowledged commits {v['acked']}, stored {v['stored']}, "
            f"learners with a wrong last seq: {len(v['wrong_seq'])}; "
            f"reconnects {results['reconnects']}; logins took {results['login_seconds']:.1f} s; "
            f"commit body {results['body_bytes']} bytes"
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--db", default="postgres", help="postgres, sqlite or both: postgres,sqlite"
    )
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the four kinds")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of one window")
    parser.add_argument("--warmup", type=float, default=4.0, help="commit warm-up per config")
    parser.add_argument(
        "--configs", default="2x4", help="WORKERSxTHREADS to compare, e.g. 2x4,2x8,2x4+gunicorn"
    )
    parser.add_argument("--procs", type=int, default=2, help="load generator processes")
    parser.add_argument(
        "--floor", action="store_true", help="add the floor window (POST /bench/floor)"
    )
    parser.add_argument(
        "--profile", type=float, default=0, metavar="SECONDS", help="py-spy the commit path"
    )
    parser.add_argument(
        "--src", type=Path, help="run the scormlms of another checkout's src/ (a git worktree)"
    )
    parser.add_argument("--json", type=Path, help="write all figures here")
    args = parser.parse_args()
    info = machine()
    print(
        f"machine: {info['nproc']} cores, {info['cpu']}, load average {info['loadavg']}, "
        f"Python {info['python']}, scormlms {info['commit']}"
    )
    print(
        f"{args.learners} learners, {args.procs} load processes, {args.rounds} rounds x "
        f"{args.seconds:g} s windows; configs {args.configs}"
    )
    everything: dict[str, Any] = {"machine": info, "args": vars(args) | {"json": None}}
    for db in args.db.split(","):
        everything[db] = bench_db(db, args)
    everything["loadavg_after"] = loadavg()
    print(f"\nload average after: {everything['loadavg_after']}")
    if args.json:
        args.json.write_text(json.dumps(everything, indent=2, default=lambda o: o.__dict__))


if __name__ == "__main__":
    main()
