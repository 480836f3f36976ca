"""Discord on loopback: a gateway and REST API discord.py connects to, and the real client
run against it (`running`)."""
