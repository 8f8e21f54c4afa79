"""Database sessions that survive a database blip at the end of a finished request.

With SESSION_SAVE_EVERY_REQUEST every response re-saves the session (to push its idle expiry).
Django's database store turns any error of that save into "The request's session was deleted
before the request completed" (a 400 with a second traceback), even when the request itself
succeeded and its data is committed: the user is told it failed, and retries.

Here, when the database cannot be reached and the session holds nothing new (only the expiry
refresh is lost), the save is skipped with one warning; the finished response goes out. When the
session does hold something new (a login, an import preview), the database error propagates and
the request answers 503 (pess_tracker/errors.py), so the user knows to try again.
"""

import logging

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import InterfaceError, OperationalError

logger = logging.getLogger("pess.errors")


class SessionStore(DatabaseSessionStore):
    def save(self, must_create=False):
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
