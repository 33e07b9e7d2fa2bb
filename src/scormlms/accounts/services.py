"""Account writes used by the command line and the demo."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction


@transaction.atomic
def user_create_or_update(*, username: str, password: str, is_staff: bool = False) -> AbstractUser:
    """Create the user, or reset the password and staff flag of an existing one."""
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=username)
    user.set_password(password)
    user.is_staff = is_staff
    user.is_superuser = is_staff
    user.save()
    return user
