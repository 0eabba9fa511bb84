"""Domain logic that touches the database. Each public call is one unit of work."""

# Registers the flush hook that marks learners for planning when what planning reads
# changes: any service in use brings it in.
from api.services import replanning as replanning
