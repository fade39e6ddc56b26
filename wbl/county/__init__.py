"""The county itself: its name, time zone, base URL and logo (one row, edited by
administrators), the first-run set-up checklist, and the page everyone else sees until the
county is named."""
