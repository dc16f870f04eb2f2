"""xinyong's benchmarks (``python -m bench …`` or ``./dev bench …``); see bench/README.md.

Importing the package pins the platform's environment (date, HMAC key, a temp var dir) before any
``xinyong`` module is imported.
"""

from .common import setup_env

setup_env()
