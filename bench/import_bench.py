"""Package import benchmark (issue 3): our importer against ``unzip -q`` on the same archive.

Generates a ~100 MB, 2,000-file SCORM package (half incompressible "media", half compressible
text, plus a valid imsmanifest.xml), then runs the three steps alternately, rotating the order
(A B C, B C A, C A B, …) so none always follows the same neighbour:

  A  ``unzip -q PKG -d OUT`` (or ``zipfile.extractall`` when ``unzip`` is not installed)
  B  ``extract_package`` + ``parse_manifest`` (the pure pipeline, no Django)
  C  the full ``course_import`` service, Django on SQLite in a temporary data dir

Every run is its own process. Peak memory and CPU time (user + system) come from GNU
``/usr/bin/time`` (else ``os.wait4``, which also counts the pages forked from this process).
Wall-clock times: ``step`` is measured inside the child around the work itself, ``process``
around the whole child (interpreter start and imports included).

Usage:  .venv/bin/python bench/import_bench.py [--runs 5] [--mb 100] [--files 2000]
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

UNZIP = shutil.which("unzip")
# GNU time reports the peak RSS of the command alone; a child forked from this Python process
# would start with (and report) this process's own resident pages.
GNU_TIME = shutil.which("time", path="/usr/bin:/bin")
VOCABULARY = (
    "course lesson learner score status progress module quiz answer question page next "
    "previous submit complete passed failed attempt resume bookmark objective interaction "
    "function var return if else for while const let document window api scorm commit"
)


# --------------------------------------------------------------------------- package


def _text(rng: random.Random, size: int) -> bytes:
    """``size`` bytes of word soup: compresses about as well as real HTML and JavaScript."""
    words = VOCABULARY.split()
    out: list[str] = []
    length = 0
    while length < size:
        line = " ".join(rng.choices(words, k=12)) + f" {rng.randrange(10**6)};\n"
        out.append(line)
        length += len(line)
    return "".join(out).encode()[:size]


def _manifest(files: list[str]) -> bytes:
    listed = "\n".join(f'      <file href="{name}"/>' for name in files)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="bench.package" version="1"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>Benchmark package</title>
      <item identifier="item" identifierref="res"><title>Lesson</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res" type="webcontent" adlcp:scormtype="sco" href="index.html">
{listed}
    </resource>
  </resources>
</manifest>
""".encode()


def build_package(path: Path, total_mb: int, files: int, seed: int = 3) -> dict[str, int]:
    """Half the bytes in 20 random 'media' files, half in text files; 1 manifest."""
    rng = random.Random(seed)
    total = total_mb * 1_000_000
    media_count = 20
    text_count = files - media_count - 1
    media_size = total // 2 // media_count
    text_size = total // 2 // text_count
    names: list[str] = ["index.html"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("index.html", b"<!doctype html><title>bench</title>" + _text(rng, text_size))
        for i in range(1, text_count):
            name = f"pages/section{i % 40:02d}/page{i:04d}.{'js' if i % 3 else 'html'}"
            zf.writestr(name, _text(rng, rng.randrange(text_size // 2, text_size * 3 // 2)))
            names.append(name)
        for i in range(media_count):
            name = f"media/clip{i:02d}.mp4"
            zf.writestr(name, rng.randbytes(media_size))
            names.append(name)
        zf.writestr("imsmanifest.xml", _manifest(names))
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    return {
        "files": len(infos),
        "uncompressed": sum(i.file_size for i in infos),
        "compressed_file": path.stat().st_size,
    }


# --------------------------------------------------------------------------- child steps


def child(step: str, package: Path, out: Path, data_dir: Path) -> None:
    """Run one step in this process; print its wall and CPU seconds as JSON."""
    if step == "unzip":  # only when `unzip` is missing: Python's plain extractall
        start, cpu = time.perf_counter(), time.process_time()
        with zipfile.ZipFile(package) as zf:
            zf.extractall(out)
    elif step == "pipeline":
        from scormlms.scorm.manifest import parse_manifest
        from scormlms.scorm.package import extract_package

        start, cpu = time.perf_counter(), time.process_time()
        result = extract_package(package, out)
        parse_manifest(result.manifest, result.files)
    elif step == "course_import":
        os.environ["SCORMLMS_DATA_DIR"] = str(data_dir)
        os.environ.pop("DATABASE_URL", None)
        os.environ["DJANGO_SETTINGS_MODULE"] = "scormlms.settings"
        import django

        django.setup()
        from scormlms.courses.models import Course
        from scormlms.courses.services import course_import

        # As in a running server: the connection is open and the ORM warm. The cold cost
        # (Django start, first query) shows in the "process" column.
        Course.objects.exists()
        start, cpu = time.perf_counter(), time.process_time()
        course_import(source=package)  # a new course each run: no old version to delete
    else:
        raise SystemExit(f"unknown step {step}")
    print(json.dumps({"step": time.perf_counter() - start, "step_cpu": time.process_time() - cpu}))


def measure(step: str, package: Path, work: Path, data_dir: Path) -> dict[str, float]:
    """One run in a child process: step time, process time and the child's peak RSS (MB)."""
    out = work / "out"
    if step == "unzip" and UNZIP:
        argv = [UNZIP, "-q", str(package), "-d", str(out)]
    else:
        argv = [sys.executable, __file__, "--child", step, str(package), str(out), str(data_dir)]
    rss_file = work / "rss"
    if GNU_TIME:
        argv = [GNU_TIME, "-f", "%M %U %S", "-o", str(rss_file), *argv]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    stdout = proc.stdout.read() if proc.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{step} failed: {stdout}")
    inside = json.loads(stdout) if stdout.strip() else {}
    if GNU_TIME:  # the last line; earlier ones would be a "Command exited …" note
        rss, user, system = rss_file.read_text().split("\n")[-2].split()
        rss_kb, cpu = int(rss), float(user) + float(system)
    else:
        rss_kb, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    # Every step leaves the same clean-up behind it, then the disk settles, so no step pays
    # for the writeback of the one before.
    shutil.rmtree(out, ignore_errors=True)
    for course_dir in (data_dir / "packages").glob("*"):
        shutil.rmtree(course_dir, ignore_errors=True)
    os.sync()
    return {
        "step": inside.get("step", elapsed),
        "process": elapsed,
        "step_cpu": inside.get("step_cpu", cpu),
        "cpu": cpu,
        "rss_mb": rss_kb / 1024,
    }


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--child", nargs=4, metavar=("STEP", "PKG", "OUT", "DATA"))
    args = parser.parse_args()
    if args.child:
        step, package, out, data = args.child
        child(step, Path(package), Path(out), Path(data))
        return

    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        work = Path(tmp)
        package = work / "package.zip"
        started = time.perf_counter()
        facts = build_package(package, args.mb, args.files)
        print(
            f"package: {facts['files']} files, {facts['uncompressed'] / 1e6:.1f} MB unpacked, "
            f"{facts['compressed_file'] / 1e6:.1f} MB zip (built in "
            f"{time.perf_counter() - started:.1f} s)"
        )
        data_dir = work / "data"
        env = {**os.environ, "SCORMLMS_DATA_DIR": str(data_dir)}
        env.pop("DATABASE_URL", None)
        scormlms = Path(sys.executable).with_name("scormlms")
        subprocess.run([str(scormlms), "migrate", "-v0"], env=env, check=True)

        steps = ["unzip", "pipeline", "course_import"]
        results: dict[str, list[dict[str, float]]] = {s: [] for s in steps}
        measure("unzip", package, work, data_dir)  # warm the page cache once, not counted
        for run in range(args.runs):
            for step in steps[run % 3 :] + steps[: run % 3]:  # A B C, B C A, C A B, …
                results[step].append(measure(step, package, work, data_dir))
            print(
                f"run {run + 1}: "
                + "  ".join(f"{s} {results[s][-1]['step']:.2f} s" for s in steps),
                flush=True,
            )

    baseline_name = "unzip -q" if UNZIP else "zipfile.extractall (unzip not installed)"
    base = statistics.median(r["step"] for r in results["unzip"])
    base_min = min(r["step"] for r in results["unzip"])
    print(f"\nPython {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}")
    print(
        f"A = {baseline_name}. Seconds; median/min/×A: wall-clock of the step inside its "
        "process; process: whole child, wall; cpu: user+system of the step; proc cpu: of the "
        "whole child"
    )
    header = ("step", "median", "min", "×A med", "×A min", "process", "cpu", "proc cpu", "peak MB")
    print(f"{header[0]:<15}" + "".join(f"{h:>9}" for h in header[1:]))
    for step in steps:
        rows = results[step]
        times = [r["step"] for r in rows]
        cells = (
            statistics.median(times),
            min(times),
            statistics.median(times) / base,
            min(times) / base_min,
            statistics.median(r["process"] for r in rows),
            statistics.median(r["step_cpu"] for r in rows),
            statistics.median(r["cpu"] for r in rows),
            max(r["rss_mb"] for r in rows),
        )
        print(f"{step:<15}" + "".join(f"{c:>9.2f}" for c in cells))


if __name__ == "__main__":
    main()
