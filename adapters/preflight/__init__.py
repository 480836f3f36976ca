"""`alsbot check-config` and the checks `alsbot run` makes before it starts anything."""
