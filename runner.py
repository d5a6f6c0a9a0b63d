"""Entry point for AWS Glue and cron: ``python runner.py --database DB --report_bucket B ...``.

Takes the seed's flags (Glue's own arguments are ignored) and runs the monitor once; the exit
code is the one ``data-monitor run`` documents.
"""

import sys

from data_monitor.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))
