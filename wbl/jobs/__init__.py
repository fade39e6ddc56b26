"""Time-based work: the scheduler process and the record of every job run."""
