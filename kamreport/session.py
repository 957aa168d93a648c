"""Deprecated name of :mod:`kamreport.context` (kept while callers move over)."""

from kamreport.context import RunContext as Session
from kamreport.context import open_context as open_session
from kamreport.context import resolve_as_of, resolve_customer

__all__ = ["Session", "open_session", "resolve_as_of", "resolve_customer"]
