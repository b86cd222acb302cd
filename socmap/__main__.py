"""``python -m socmap``."""

import sys

from socmap.main import main

sys.exit(main())
