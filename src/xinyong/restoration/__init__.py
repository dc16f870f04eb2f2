"""Credit restoration (信用修复, Art. 38; domain.md §6): a subject's application to the deciding organ."""

from . import materials  # noqa: F401  (registers what a deleted record removes of the objections' evidence files)
