"""The student's whole work-based learning record as a Comprehensive Learner Record."""
