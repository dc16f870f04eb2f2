"""xinyong — Public Credit Information Service Platform (上海市社会信用条例)."""

__version__ = "0.1.0"
