"""Accounts use Django's own ``auth.User`` and ``django.contrib.sessions``: no models here.

An earlier version kept sessions in its own table (migrations 0001–0002); migration 0003 moves
the live ones back to Django's table and drops it.
"""
