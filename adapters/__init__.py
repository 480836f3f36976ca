"""Adapters: translate platform payloads to core events and core replies to platform calls."""
