"""`python -m api.cli`: the same as the `wangge` command (how `serve` starts workers)."""

from api.cli import main

if __name__ == "__main__":  # not again in a process pool's workers (gis.partition.chunks)
    main()
