#!/usr/bin/env python
"""Django's command-line utility; `shuangsuiji` is the installed equivalent."""

import sys

from shuangsuiji.cli import main

if __name__ == "__main__":
    sys.exit(main(["manage", *sys.argv[1:]]))
