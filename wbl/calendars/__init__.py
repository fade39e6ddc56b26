"""Calendar feeds: each user's private iCalendar subscription (issue 19).

A user creates a feed on their account page and gets a URL with a long random secret
(``/calendar/<secret>.ics``); any calendar application subscribes to it. The secret is the
credential, so only its SHA-256 is stored: the URL is shown once, and a lost one is replaced
(the old URL stops working) or revoked. What the feed holds is what the user may see on the
pages (students: their placements, class events and interviews; teachers: their class events
and their students' placement start and end dates; employers: the students they host and the
classes they receive; panelists: their interviews), built in ``entries.py`` and written as
RFC 5545 in ``ical.py``.
"""
