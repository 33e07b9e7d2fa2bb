"""Create the course, the SCORM package and enrolled learners in the wagtail-lms site.

Run with the wagtail venv's python: ``setup_data.py PACKAGE.zip PREFIX COUNT PASSWORD``;
prints JSON ``{"lesson": id}``.
"""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wagtail_site.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.files import File  # noqa: E402
from wagtail.models import Page  # noqa: E402
from wagtail_lms.models import (  # noqa: E402
    CourseEnrollment,
    CoursePage,
    SCORMLessonPage,
    SCORMPackage,
)

zip_path, prefix, count, password = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
root = Page.get_first_root_node()
course = root.add_child(instance=CoursePage(title="Golf", slug="golf"))
with open(zip_path, "rb") as fh:
    package = SCORMPackage(title="Golf RuntimeBasicCalls SCORM 1.2")
    package.package_file.save("golf12.zip", File(fh), save=False)
    package.save()
lesson = course.add_child(
    instance=SCORMLessonPage(title="Golf lesson", slug="golf-lesson", scorm_package=package)
)
User = get_user_model()
hashed = make_password(password)
users = User.objects.bulk_create(
    [User(username=f"{prefix}{i:04d}", password=hashed) for i in range(count)]
)
CourseEnrollment.objects.bulk_create([CourseEnrollment(user=u, course=course) for u in users])
print(json.dumps({"lesson": lesson.id, "launch": package.get_launch_url()}))
