"""Oversight by the social credit supervisor (Art. 19, 20, 50, 51): what it sees of how the platform is used."""
