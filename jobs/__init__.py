"""Scheduled work: tick, claim due rows, hand them to the core."""
