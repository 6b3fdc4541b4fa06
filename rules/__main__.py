"""`python -m rules`: see rules/cli.py."""

import sys

from rules.cli import main

sys.exit(main())
