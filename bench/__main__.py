"""`python -m bench [--memory] [--load] [--all] [--only SECTIONS] [--profile N] [--scale N]`.

PSBOT_BENCH_DATABASE_URL adds a PostgreSQL run; `python -m bench --help` says more.
"""

import os
import sys

from bench.run import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], postgres_url=os.environ.get("PSBOT_BENCH_DATABASE_URL", "")))
