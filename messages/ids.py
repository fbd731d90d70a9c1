"""Every Block Kit action id and view callback id, in one place."""

NOTES_VIEW = "notes_submit"
NOTES_PICK_PROJECT = "notes_pick_project"
NOTES_OPEN = "notes_open"  # button value: the project id

WIN_VIEW = "win_submit"
THANKS_VIEW = "thanks_submit"
WIN_SHORTCUT = "record_win"  # message shortcut callback ids (manifest.json)
THANKS_SHORTCUT = "record_thanks"
LESSON_VIEW = "lesson_submit"
LESSON_SHORTCUT = "record_lesson"

# Entry points that open a blank modal, as its command does: each is a global shortcut's
# callback id (manifest.json) and the action id of its App Home quick-action button.
WRITE_NOTE = "write_note"
NEW_WIN = "new_win"
NEW_THANKS = "new_thanks"

# The closure checklist: buttons carry `project:item:version`, date pickers carry it as
# their block id; CLOSURE_OPEN's value is the project id.
CLOSURE_DONE = "closure_done"
CLOSURE_REOPEN = "closure_reopen"
CLOSURE_NA = "closure_na"
CLOSURE_DATE = "closure_date"
CLOSURE_OPEN = "closure_open"
OUTBOX_RETRY = "outbox_retry"  # App Home (admins): post a failed entry again; value: its id
ESCALATE = "escalate"  # the report's button on a Red project; value: the project id
UNESCALATE = "unescalate"  # the report's button on an escalated project; value: its id
UPSIDE_VIEW = "upside_submit"

# "Re-check now": sync Kantata, judge the bookings again, update the message in place:
# on the forecast nudge DM, and in App Home's bookings findings.
RECHECK_NUDGE = "recheck_nudge"
RECHECK_HOME = "recheck_home"

# Time off: App Home's "Plan time off" button opens the modal (AWAY_VIEW); "I'm back" ends it.
AWAY_OPEN = "away_open"
AWAY_BACK = "away_back"
AWAY_VIEW = "away_submit"

# Job settings (admins, App Home): pick a job (value: its name), then its modal.
JOB_SETTINGS_PICK = "job_settings_pick"
JOB_SETTINGS_VIEW = "job_settings_submit"
