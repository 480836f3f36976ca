"""alsbot's platform-neutral core: nothing in here may import a chat platform's SDK."""
