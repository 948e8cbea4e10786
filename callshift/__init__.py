"""callshift: staffing and rostering for contact centers that run around the clock."""

import time

__version__ = "0.1.0"

# When callshift was loaded: a run's time limit counts from here, so that the second or so
# of importing numpy, pandas and OR-tools is inside it.
LOADED_AT = time.monotonic()
