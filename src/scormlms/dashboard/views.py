"""Learner and staff pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """The learner dashboard: one card per enrolled course."""
    return render(request, "dashboard/home.html", {"cards": []})
