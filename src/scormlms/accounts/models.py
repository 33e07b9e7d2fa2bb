"""The session table, with the id of its logged-in user beside the signed session data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models

if TYPE_CHECKING:
    from scormlms.accounts.sessions import SessionStore


class Session(AbstractBaseSession):
    """A row of ``scormlms.accounts.sessions.SessionStore`` (Django's "Extending database-backed
    session engines"): ``user`` lets one query read a session together with its user.

    ``user`` is a copy of the user id inside ``session_data``, written at every save; the signed
    data stays the authority for who is logged in.
    """

    # A foreign key so that deleting a user through the ORM (admin, shell) deletes their sessions.
    # No database constraint: a session saved for a user deleted meanwhile must still save (with
    # a constraint, SessionStore.create would retry its IntegrityError forever as a key clash),
    # and a dangling id only finds no user, which Django's get_user answers with "anonymous".
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        db_constraint=False,
        related_name="+",
    )

    @classmethod
    def get_session_store_class(cls) -> type[SessionStore]:
        """The store whose rows these are (``get_decoded`` decodes with it)."""
        # Imported late: the store's module reads the user model, not ready while models load.
        from scormlms.accounts.sessions import SessionStore

        return SessionStore
