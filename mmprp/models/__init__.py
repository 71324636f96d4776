"""Models of mmprp: encoders, layers, heads, initialisers, losses, necks, the
view-building data preprocessor and the recognizers."""
from .backbones import *  # noqa: F401,F403
from .common import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .initializers import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .recognizers import *  # noqa: F401,F403
