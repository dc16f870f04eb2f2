"""Declarations, self-reports and credit commitments of subjects (声明、自主申报、社会承诺, Art. 13.2)."""
