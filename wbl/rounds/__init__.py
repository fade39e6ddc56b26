"""Allocation rounds: programs with more demand than seats, allocated in one stable match."""
