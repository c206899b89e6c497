"""``python -m fnzero`` is the ``fnzero`` command."""

import sys

from fnzero.cli import main

sys.exit(main())
