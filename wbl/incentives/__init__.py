"""Incentive funding (Colorado's Career Development Incentive Program as the default): which
completions qualify in a program year, and the estimated amount per student when the
appropriation is distributed tier by tier."""
