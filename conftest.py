"""Project-wide fixtures: users of every role, API clients, and the browser."""

import os

os.environ.setdefault("VMESTE_DATA_DIR", os.path.join(os.path.dirname(__file__), "var", "test"))
