"""The Slack adapter: Bolt's AsyncApp in HTTP or Socket Mode, Block Kit out."""
