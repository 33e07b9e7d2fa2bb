"""``scormlms import PATH.zip [--course-id ID]`` and ``scormlms enrol NAME COURSE_ID``."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from scormlms.courses.models import Course, Enrolment
from tests.courses.conftest import leftovers
from tests.scorm import zipfactory as zf

pytestmark = pytest.mark.django_db

SCORMLMS = str(Path(sys.executable).with_name("scormlms"))


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_prints_the_course_id(samples: dict[str, Path]) -> None:
    out, err = run("import", str(samples["quiz12"]))
    assert out == "scormlms-examples-quiz12\n" and err == ""
    assert Course.objects.get().course_id == "scormlms-examples-quiz12"


def test_import_with_course_id_twice_makes_version_two(samples: dict[str, Path]) -> None:
    assert run("import", str(samples["quiz12"]), "--course-id", "quiz")[0] == "quiz\n"
    assert run("import", str(samples["progress2004"]), "--course-id", "quiz")[0] == "quiz\n"
    course = Course.objects.get()
    assert (course.version, course.standard) == (2, "2004")


def test_import_prints_warnings_on_stderr(tmp_path: Path) -> None:
    manifest = zf.MANIFEST_12.replace(
        b'<file href="index.html"/>', b'<file href="index.html"/><file href="gone.png"/>'
    )
    path = zf.write(tmp_path / "warn.zip", zf.package(manifest=manifest))
    out, err = run("import", str(path), "--course-id", "warn")
    assert out == "warn\n"
    assert err.startswith("warning: ") and "gone.png" in err


def test_bad_package_raises_command_error_with_the_message(
    tmp_path: Path, package_dir: Path
) -> None:
    path = zf.write(tmp_path / "slip.zip", zf.package(("../evil.html", b"x")))
    with pytest.raises(CommandError) as caught:
        run("import", str(path))
    assert "slip.zip" in str(caught.value)
    assert "outside the package folder" in str(caught.value)
    assert "[zip_slip]" in str(caught.value)
    assert Course.objects.count() == 0 and leftovers(package_dir) == []


def test_missing_file_and_bad_course_id(tmp_path: Path, samples: dict[str, Path]) -> None:
    with pytest.raises(CommandError, match="no such file"):
        run("import", str(tmp_path / "nope.zip"))
    with pytest.raises(CommandError, match="bad_course_id"):
        run("import", str(samples["quiz12"]), "--course-id", "no/slashes")


def test_console_script(tmp_path: Path, samples: dict[str, Path]) -> None:
    """The real ``scormlms`` executable: exit code 0 and the id on stdout, or ≠ 0 and the
    error on stderr. It gets its own SQLite data dir, never the test database."""
    env = {**os.environ, "SCORMLMS_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def scormlms(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SCORMLMS, *args], env=env, capture_output=True, text=True, timeout=120
        )

    bad = zf.write(tmp_path / "not-a-zip.zip", b"hello, I am text")
    failed = scormlms("import", str(bad))
    assert failed.returncode != 0
    assert failed.stdout == ""
    assert "not-a-zip.zip: The uploaded file is not a zip archive" in failed.stderr
    assert "Traceback" not in failed.stderr

    assert scormlms("migrate", "-v0").returncode == 0
    done = scormlms("import", str(samples["quiz12"]), "--course-id", "quiz")
    assert (done.returncode, done.stdout) == (0, "quiz\n"), done.stderr
    packages = tmp_path / "data" / "packages" / "quiz"
    assert len(list(packages.iterdir())) == 1


def test_enrol(learner: User, samples: dict[str, Path]) -> None:
    run("import", str(samples["quiz12"]), "--course-id", "quiz")
    assert run("enrol", "lena", "quiz")[0] == "lena enrolled in quiz\n"
    assert run("enrol", "lena", "quiz")[0] == "lena already enrolled in quiz\n"
    assert Enrolment.objects.filter(learner=learner, course__course_id="quiz").count() == 1


def test_enrol_unknown_user_or_course(learner: User, samples: dict[str, Path]) -> None:
    run("import", str(samples["quiz12"]), "--course-id", "quiz")
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run("enrol", "nobody", "quiz")
    with pytest.raises(CommandError, match="No course with id 'nope'"):
        run("enrol", "lena", "nope")
    assert Enrolment.objects.count() == 0
