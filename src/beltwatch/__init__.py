"""beltwatch: open space domain awareness for the geosynchronous belt."""

from beltwatch.errors import BeltwatchError, InputError

__version__ = "0.1.0"
__all__ = ["BeltwatchError", "InputError", "__version__"]
