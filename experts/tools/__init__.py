"""Tools the agentic experts call during multi-turn rollouts (plain typed functions with
Google-style docstrings, as TRL's ``tools=[...]`` expects)."""
