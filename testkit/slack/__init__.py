"""Slack on loopback: the Web API, request signing, Socket Mode, and `SlackWorld` on top."""
