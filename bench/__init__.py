"""Benchmarks: each module is runnable (``python -m bench.<name> --quick``) and writes
``bench/results/<name>.json`` via ``bench.common.write_result``; ``python -m bench.run_all``
runs every one that exists and prints a summary table. See bench/README.md."""
