"""The handbook's fixed vocabularies: project types, statuses, roles, booking kinds and
R-Y-G temperatures. The tables check them; parsers and settings accept only these."""

PROJECT_TYPES = ("T&M", "FF", "Consulting Block", "Dedicated Engineer")
PROJECT_STATUSES = ("active", "closing", "completed")
ROLES = ("PM", "PSE", "TA")
BOOKING_KINDS = ("soft", "hard")
TEMPERATURES = ("red", "yellow", "green")
