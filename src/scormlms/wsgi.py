"""WSGI entry point of `scormlms serve` (granian or gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scormlms.settings")
application = get_wsgi_application()
