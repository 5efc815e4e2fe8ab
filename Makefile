# The two commands the README opens with. Each does its own setup first.
.PHONY: setup demo test test-slow bench clean
VENV ?= .venv
PT = $(VENV)/bin/posttrain

setup:
	@bash scripts/setup.sh

demo: setup
	$(PT) run configs/demo.yaml --output runs/demo

test: setup
	$(VENV)/bin/python -m pytest -q

test-slow: setup
	$(VENV)/bin/python -m pytest -q -m slow

bench: setup
	$(VENV)/bin/python -m bench.run_all

clean:
	rm -rf runs .pytest_cache
