"""The one import framework: every spreadsheet the app reads (partners, offerings, credentials,
WorkKeys scores) and the roster's files go through it (docs/import-formats.md).

- ``reading``: a CSV or XLSX upload becomes a header and rows, within the caps that keep a
  worker from being busy for long; ``writing``: the export's CSV and XLSX, formulas disarmed.
- ``rows``: the columns an import declares, each row's typed values, the lookups by code or
  name. An import keeps only its columns and its per-row rules.
- ``report``: ``Problem`` (``row N: column: problem``) and the report with its counts and
  summary; ``run``: read, check every row, write all rows or none (or nothing: a dry run).
- ``staging``: a clean upload kept in storage behind a signed token until the user confirms.
"""
