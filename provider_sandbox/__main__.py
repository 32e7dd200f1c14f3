"""`python -m provider_sandbox ...` — see cli.py for the flags."""

from provider_sandbox.cli import main

raise SystemExit(main())
