"""Test support shared by `tests/` and `bench/`: platform stand-ins and the worlds built on them.

- `testkit.slack`: the Slack Web API, request signing and Socket Mode on loopback, and
  `SlackWorld` (the real core and adapter driven over the wire).
- `testkit.discord`: a Discord gateway and REST API discord.py really connects to, and the
  helpers that run the real client against it.
- `testkit.harness`, `testkit.recording`, `testkit.nudges`: the core driven directly, with
  a recording outlet and a `FakeClock`.
- `testkit.worlds`: the reliability worlds (crash, platform faults, duplicates, look-alike
  workspaces, the bot as a child process, wire reconciliation).
- `testkit.eventually`: the one poll-until helper; `testkit.timeline`: fake time moved on.

Never imported by `bot`, `jobs` or `adapters` (an import-linter contract says so), and not
shipped in the wheel.
"""
