"""Applications and placements: readiness, apply, approve, accept, consent, place."""
