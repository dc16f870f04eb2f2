"""Credit restoration (信用修复, Art. 38; domain.md §6): a subject's application to the deciding organ."""
