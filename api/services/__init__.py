"""Domain logic that touches the database. Each public call is one unit of work."""
