"""Credit reports (Art. 34, 41): issued through the inquiry policy and log, stored as a snapshot,
rendered as JSON, HTML or PDF."""
