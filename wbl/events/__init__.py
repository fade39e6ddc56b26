"""Class events: teachers request a guest speaker or a workplace visit for a class."""
