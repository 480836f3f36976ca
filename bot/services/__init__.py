"""Services: one unit of work per event, inside the transaction the processor opened."""
