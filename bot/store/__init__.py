"""Persistence: the database is the source of truth for everything, timed or not."""
