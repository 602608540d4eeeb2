"""The error every user-facing problem raises: bad config, bad data, bad arguments.

The CLI prints these as one message and exits with code 2; anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

__all__ = ["FramingError"]


class FramingError(ValueError):
    """A problem the user can fix; the message says where it is and what to do."""
