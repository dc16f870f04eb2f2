"""Exchange with other credit information platforms (Art. 7, 12, 16)."""
