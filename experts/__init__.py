"""posttrain experts: one registered ExpertSpec per domain, plus the built-in domain datasets and tools."""
