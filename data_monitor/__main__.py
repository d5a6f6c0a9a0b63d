import sys

from data_monitor.cli import main

sys.exit(main())
