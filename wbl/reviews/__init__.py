"""Reviewing Work Ready portfolios with the scoring guide (issue 7, DOMAIN.md "Work Ready
Certificate"), one module a stage: ``scoring_guide`` (the levels, descriptors and passing
rule), ``volunteers`` (the reviewer pool), ``submitting`` (a student submits or withdraws),
``assigning`` (two reviewers without a conflict of interest), ``scoring`` (the reviewers'
scores, the decision, staff's resolution); ``policies`` says who sees a submission and who
reviews whose portfolio."""
