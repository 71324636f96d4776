"""Training-engine components of mmprp: hooks and optimizer constructors."""
from .hooks import *  # noqa: F401,F403
from .optimizers import *  # noqa: F401,F403
