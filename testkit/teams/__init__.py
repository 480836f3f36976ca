"""A Microsoft Teams stand-in and real-shaped activities (issue 20)."""
