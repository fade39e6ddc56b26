"""Reports: the dashboards CTE staff read (reach and equity, the placement funnel, activity
over time, partners) and state reporting (the CALPADS Work-Based Learning file, ``wblr*``)."""
