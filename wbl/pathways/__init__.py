"""Graduation pathways: rules each district configures (shipped: Ohio-style credential
points plus WorkKeys, Ohio-style 250-hour work-based learning, Colorado-style district
certificate for English or math) and each student's progress on them."""
