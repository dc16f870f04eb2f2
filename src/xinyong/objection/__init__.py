"""Objections (Art. 36): filed by a subject, noted, decided — by the Center, the providing unit or a
credit service establishment — within working-day deadlines stored with their basis."""
