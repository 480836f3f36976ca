"""The set's pages online: its toolkit and report, read-only, at unguessable links."""
