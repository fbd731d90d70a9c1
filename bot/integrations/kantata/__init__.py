"""`psbot sync kantata`: Kantata OX's API into the same tables the CSV import fills.

`client` fetches list endpoints (every page, includes, retries, one-line errors),
`mapping` turns the fetched objects into the import's records (pure), and `sync` writes
them in one transaction with the import's own store functions.
"""
