"""`psbot import`: Kantata CSV exports (projects, bookings, milestones) into the database.

`fields` and `formats` are pure parsing and validation, `csvfile` reads files, `store`
writes validated records, and `run` ties them together in one transaction per file.
"""
