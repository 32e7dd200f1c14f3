import sys

from revsync.cli import main

sys.exit(main())
