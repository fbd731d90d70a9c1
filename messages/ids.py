"""Every Block Kit action id and view callback id, in one place."""

NOTES_VIEW = "notes_submit"
NOTES_PICK_PROJECT = "notes_pick_project"
NOTES_OPEN = "notes_open"  # button value: the project id
