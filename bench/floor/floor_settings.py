"""scormlms's own settings with one more URL, ``POST /bench/floor`` (``commit_bench.py --floor``).

Only the benchmark starts a server with these settings (``DJANGO_SETTINGS_MODULE=floor_settings``
and this folder on ``PYTHONPATH``); everything else is the production configuration.
"""

from scormlms.settings import *  # noqa: F403

ROOT_URLCONF = "floor_urls"
