"""Distillation data generation (stage ``distill``), split by concern:

- ``generate.py``: which model writes each (domain, mode), prompt loading and checks, the
  shard plan, and sampling + scoring one shard;
- ``filters.py``: pure accept/reject rules, near-duplicate removal and keep-k;
- ``shards.py``: atomic parquet shards plus the shard manifest (the unit of resume);
- ``card.py``: the dataset card (README.md) with counts, acceptance rates and lengths.

The stage itself (``pipeline/stages/distill.py``) wires them together.
"""
