"""``python -m mathdl.cli``: the ``mathdl`` command."""

import sys

from mathdl.cli import main

sys.exit(main())
