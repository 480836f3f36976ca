"""The console adapter: one person plays a whole set in a terminal, no tokens needed."""
