"""``python -m agkg``: the same as the ``agkg`` command."""

from agkg.cli import main

main()
