"""The reliability worlds: crash, platform faults, duplicates, look-alike workspaces, the
bot as a child process (`live`) and what reached Slack matched with the outbox (`wire`)."""
