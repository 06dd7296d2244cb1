"""``python -m skyshare.cli``."""

from skyshare.cli.main import main

main()
