"""Microsoft Teams on loopback (issue 20): `connector.BotConnector` — the Bot Framework's
published keys (`tokens`), an Entra login endpoint (`login`) and the Bot Connector,
recording every call (`records`) — and real-shaped activities (`payloads`)."""
