"""Microsoft Teams on loopback: the Bot Framework's keys, an Entra login endpoint and the
Bot Connector (`connector.BotConnector`)."""
