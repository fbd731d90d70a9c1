"""The shape of Slack ids, the one definition every module checks against."""

import re

USER_ID = re.compile(r"[UW][A-Z0-9]{1,30}")


def is_user_id(value: str) -> bool:
    return bool(USER_ID.fullmatch(value))
