"""Run the example dashboard: `python examples/dashboard/serve.py --runtime FILE` (see README)."""

from __future__ import annotations

import sys

from example_dashboard.cli import main

if __name__ == "__main__":
    sys.exit(main())
