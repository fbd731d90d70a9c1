"""The handbook's fixed vocabularies: project types, statuses, roles, booking kinds,
R-Y-G temperatures and lesson labels. The tables check them; parsers and settings accept
only these."""

PROJECT_TYPES = ("T&M", "FF", "Consulting Block", "Dedicated Engineer")
PROJECT_STATUSES = ("active", "closing", "completed")
ROLES = ("PM", "PSE", "TA")
BOOKING_KINDS = ("soft", "hard")
TEMPERATURES = ("red", "yellow", "green")
# The labels the handbook's retrospective issues use for lessons learned (from project
# delivery), and for information that can become a customer story.
LESSON_LABELS = (
    "llPsProcess",
    "llProduct",
    "llExpectation",
    "llSupport",
    "llFinanceDelays",
    "CustomerStory",
)
