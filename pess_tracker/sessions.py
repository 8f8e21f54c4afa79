"""Database sessions that survive a database blip at the end of a finished request.

With SESSION_SAVE_EVERY_REQUEST every response re-saves the session (to push its idle expiry).
Django's database store turns any error of that save into "The request's session was deleted
before the request completed" (a 400 with a second traceback), even when the request itself
succeeded and its data is committed: the user is told it failed, and retries.

Here, when the database cannot be reached and the session holds nothing new (only the expiry
refresh is lost), the save is skipped with one warning; the finished response goes out. When the
session does hold something new (a login, an import preview), the database error propagates and
the request answers 503 (pess_tracker/errors.py), so the user knows to try again.

The idle expiry is pushed at most once a minute: a request that changes nothing in the session
and finds its stored expiry less than EXPIRY_REFRESH_SECONDS behind the new one writes nothing
(no UPDATE, no commit on every page view). A session may therefore end up to a minute before
SESSION_COOKIE_AGE of idleness, never after.
"""

import datetime
import logging

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import InterfaceError, OperationalError

logger = logging.getLogger("pess.errors")


EXPIRY_REFRESH_SECONDS = 60


class SessionStore(DatabaseSessionStore):
    _stored_expiry = None

    def _get_session_from_db(self):
        stored = super()._get_session_from_db()
        self._stored_expiry = stored.expire_date if stored else None
        return stored

    def _expiry_fresh(self) -> bool:
        if self._stored_expiry is None or self.session_key is None:
            return False
        # Never fresh when the new expiry is earlier than the stored one (a shorter SESSION_COOKIE_AGE,
        # a clock behind): the stored one would keep the session alive longer than it may be.
        behind = self.get_expiry_date() - self._stored_expiry
        return datetime.timedelta(0) <= behind < datetime.timedelta(seconds=EXPIRY_REFRESH_SECONDS)

    def save(self, must_create=False):
        if not must_create and not self.modified and self._expiry_fresh():
            return None  # only the idle expiry would move, by less than a minute
        try:
            return super().save(must_create=must_create)
        except Exception as exc:
            cause = exc if isinstance(exc, OperationalError | InterfaceError) else exc.__context__
            if must_create or self.modified or not isinstance(cause, OperationalError | InterfaceError):
                if cause is not exc and isinstance(cause, OperationalError | InterfaceError):
                    raise cause from None
                raise
            logger.warning(
                "session expiry not refreshed: database unavailable",
                extra={"event": {"event": "session_not_saved", "exception": type(cause).__name__}},
            )
            return None
