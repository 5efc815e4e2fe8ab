"""posttrain experts: one registered ExpertSpec per domain, the domain datasets and the agent tools.

    from experts.base import get_expert, registered_experts
    from experts.datasets import load_domain
    from experts.tools import TOOLS

Layering: experts may import ``rewards`` (the Python tool uses its sandbox) but never
``pipeline``. Heavy libraries (datasets, rank-bm25) are imported inside the functions that
use them.
"""
