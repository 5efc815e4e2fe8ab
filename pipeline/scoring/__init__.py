"""Scoring: building the reward router from config, the served judge, and the eval metrics and
`posttrain rewards score`."""
