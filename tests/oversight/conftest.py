import pytest


def pytest_collection_modifyitems(items):
    """The front doors' tests (page, CLI, API) repeat on PostgreSQL in the long pass only: the register's service
    tests run on both databases in the default suite."""
    for item in items:
        if "[postgresql" in item.nodeid and item.nodeid.startswith("tests/oversight/") and \
                any(w in item.name for w in ("_page_", "_cli_", "_api_")):
            item.add_marker(pytest.mark.long)
