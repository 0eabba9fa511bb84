"""The brain of Bitewise, pure Python: decisions in, decisions out.

No Flask, no SQLAlchemy, no I/O, no reading the clock: the current time is always a
parameter. ``api`` imports this package; this package never imports ``api``.
"""
