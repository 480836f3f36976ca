"""Microsoft Teams on loopback: `connector.BotConnector` — the Bot Framework's published
keys (`tokens`), an Entra login endpoint (`login`) and the Bot Connector, recording every
call (`records`)."""
