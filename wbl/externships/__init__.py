"""Teacher externships: partners offer them (usually in summer), teachers apply, staff place
teams of two or more, hours are logged and confirmed, and each teacher attaches the
classroom project they built from it."""
