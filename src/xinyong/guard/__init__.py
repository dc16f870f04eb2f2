"""Limits against abuse and their traces (Art. 19(1)): rate limits in front of every served view, the
client address through trusted proxies only, and audit traces of failed authentications and refusals."""
