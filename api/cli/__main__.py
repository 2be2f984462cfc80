"""`python -m api.cli`: the same as the `wangge` command (how `serve` starts workers)."""

from api.cli import main

main()
