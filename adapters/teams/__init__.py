"""Microsoft Teams (issue 20), on Microsoft's Teams SDK for Python (`microsoft-teams-apps`).

One module per concept, as the Slack and Discord adapters are cut:

- `ids.py` — Teams ids ⇄ the core's refs (a tenant is a workspace; a person is their
  Microsoft Entra object id; a conversation id is written without its colons).
- `traits.py` — what the core may assume about Teams (`PlatformTraits`).
- `cloud.py` — the SDK's `CloudEnvironment` from `[teams]` (a sovereign cloud, a stand-in).
- `credentials.py` — the bot's own tokens (client secret or managed identity, MSAL).
- `http_ingress.py` — aiohttp ⇄ the SDK's `HttpServer` (JWT validated by the SDK): a
  `to_sdk_request` / `to_response` pair, as slack-bolt keeps its framework adapters.
- `translate.py` — an activity to the core's events (pure): messages, commands, card
  submits; `reactions.py` (reactions on the bot's own posts) and `save_as_do.py` (the
  message action) beside it; `fields.py` reads an activity's fields defensively; `text.py`
  reads Teams' text and HTML, each `<at>` as the caller decides.
- `conversations.py` — conversation references kept from every activity, for proactive
  messages (nudges, reminders, private answers as a 1:1 chat).
- `listener.py` — one activity: translated, references kept, submitted, then answered.
- `render.py` — a reply to a Teams activity with an Adaptive Card (pure).
- `outlet.py` — deliveries through the Bot Connector API (`/v3/conversations/...`).
- `source.py` — the bot's own posts' text, for reactions on them.
- `manifest.py`, `cli.py` — the app package (`alsbot teams manifest`).
- `service.py` — `serve_teams(alsbot, config)` for `alsbot run`.
"""

import warnings

# Importing the SDK's `apps` package announces an experimental HTML widget alsbot never
# uses ("… is in preview and may change"): one line on every `alsbot run`, which reads as a
# problem to an operator.
warnings.filterwarnings("ignore", message=r"HtmlWidgetSecurityPolicy is in preview")
