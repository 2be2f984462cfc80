# The two commands of the README: `make demo` and `make test`.
.PHONY: setup demo test lint format clean

setup:
	@bash scripts/setup.sh

demo: setup
	.venv/bin/wangge demo

test:
	@bash scripts/setup.sh --test
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/pytest

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: setup
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

clean:
	-.venv/bin/wangge db down
	rm -rf .wangge
