"""Rules about information subjects (Art. 2): the strict identifier checks live in ``identifiers``.

Imported here so that the rule registry (``xinyong law map``) finds them with every domain's rules.
"""

from .identifiers import check_ric, check_uscc, parse_identifier  # noqa: F401
