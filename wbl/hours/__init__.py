"""Hours: students log time on placements; supervisors confirm it; everything is audited."""
