from . import purge  # noqa: F401  (registers what a deleted list entry removes from checks and applications)
