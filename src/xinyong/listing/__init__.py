from . import purge  # noqa: F401  (registers the Art. 37 deletion of revoked entries with ``xinyong purge``)
