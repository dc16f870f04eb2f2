"""Notices to subjects: the portal's inbox and the e-mail that points to it (Art. 32.1, 36, 37, 38)."""
