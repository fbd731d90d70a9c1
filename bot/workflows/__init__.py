"""What follows a person's action or a delivered post: record and owe the shout-out,
share it, tell the author, refresh App Home, copy it to GitLab. Listeners call these."""
