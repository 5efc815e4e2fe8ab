"""posttrain rewards: rule-based and generative rewards, sandbox, judge, router. Imports nothing from pipeline/ or experts/."""
