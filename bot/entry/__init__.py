"""The composition root: the Bolt app factory, the `psbot` CLI, the WSGI glue and the
terminal shell. The only part of `bot` that wires in `commands`, `jobs` and `messages`."""
