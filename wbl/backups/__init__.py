"""Backups that restore: the database, the uploaded files and the badge signing key.

``flask --app wsgi backup create DIR`` writes them with a manifest (checksums, row counts, the
migration revision); ``backup verify DIR`` checks a backup; ``backup restore DIR`` puts one
back into an empty database and upload folder and checks the result. The restore drill is
in docs/backups.md.
"""
