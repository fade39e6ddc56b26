"""State reporting: the CALPADS Work-Based Learning (WBLR) file for the End-of-Year 1
submission, its validation report, and the codes staff may change."""
