"""The garbage collector set for a process that has finished starting and now serves.

CPython's cyclic collector runs a young collection after every 700 net allocations and,
every so often, an older one that walks every object the process holds. A web worker
holds a few hundred thousand objects from start-up (Flask, SQLAlchemy, the schemas) that
live as long as it does, and a request allocates thousands: collections came several
times a request, the older ones walking everything start-up made. Measured
(``bench/practice_in_process.py`` prints it; ``bench/planner_scale.py``): 0.17 ms of a
practice request, 0.53 ms of a review upload, and a third of a planning run's CPU
(1.0 of 2.9 s for 20,000 learners), against 0.03, 0.05 and 0.2 s once settled.

Nothing is turned off: cycles made while serving are still collected, less often.
"""

from __future__ import annotations

import gc

# Young collections after 10,000 net allocations instead of 700 (a request or a planning
# chunk makes its garbage and drops it; reference counting frees nearly all of it).
THRESHOLDS = (10_000, 50, 100)


def settle() -> None:
    """Call once start-up is done: its objects leave the collector's walks for good."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
