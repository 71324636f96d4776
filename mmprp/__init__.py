"""mmprp: PRP self-supervised video pretraining as an MMAction2 plugin.

``import mmprp`` (or ``custom_imports=dict(imports=['mmprp'])`` in a config)
repairs the installed stack where needed and registers every mmprp component
into MMAction2's registries (``mmaction.registry``).
"""
from .utils.mmaction_compat import install_drn_placeholder, require_mmcv

require_mmcv()
install_drn_placeholder()

from .utils.checkpoint_loading import \
    register_checkpoint_loaders  # noqa: E402,E501

register_checkpoint_loaders()

from . import structures  # noqa: E402,F401
from . import datasets, engine, evaluation, models  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = ['__version__']
