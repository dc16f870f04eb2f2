"""Credit reports (Art. 34, 41): issued through the inquiry policy and log, stored as a snapshot,
rendered as JSON, HTML or PDF."""

from . import service  # noqa: F401  (registers what a deleted record or list entry removes from issued reports)
