"""A minimal Wagtail project that hosts wagtail-lms for bench/peers (run from its venv)."""
