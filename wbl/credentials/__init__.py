"""Industry-recognized credentials: the county's catalog (points, career field, expiry),
each district's policy per credential, students' earned credentials (verified by staff)
and WorkKeys scores."""
