# The two commands the README opens with. Each does its own setup first.
.PHONY: setup demo test test-slow bench bench-quick gpu-check clean
VENV ?= .venv
PT = $(VENV)/bin/posttrain

setup:
	@bash scripts/setup.sh

demo: setup
	$(PT) run configs/demo.yaml --output runs/demo

test: setup
	bash scripts/run_tests.sh

test-slow: setup
	bash scripts/run_tests.sh -m slow

# Every benchmark at realistic sizes (>= 64 sequences x 64 tokens for rollouts), each ratio taken
# against the roofline measured in the same process; ratios to bench/results/ratios.json.
bench: setup
	$(VENV)/bin/python -m bench.run_all

bench-quick: setup
	$(VENV)/bin/python -m bench.run_all --quick

# On a CUDA machine: GRPO/SFT/rewards on one GPU (<= 8 min), tokens/s to bench/results/gpu_check.json.
gpu-check: setup
	bash scripts/gpu_check.sh

clean:
	rm -rf runs .pytest_cache
