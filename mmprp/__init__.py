"""mmprp: PRP self-supervised video pretraining as an MMAction2 plugin.

``import mmprp`` (or ``custom_imports=dict(imports=['mmprp'])`` in a config)
registers every mmprp component into MMAction2's registries
(``mmaction.registry``) and repairs the installed stack: a placeholder for
the DRN localizer that the mmaction2 1.2.0 wheel lacks, and mmengine's
checkpoint loaders replaced by ones that unpickle data only. The environment
variable ``MMPRP_NO_REPAIRS`` turns the repairs off
(:mod:`mmprp.utils.import_repairs`).
"""
from .utils.mmaction_compat import require_mmcv

require_mmcv()

from .utils.import_repairs import apply_repairs  # noqa: E402

apply_repairs()

from . import structures  # noqa: E402,F401
from . import datasets, engine, evaluation, models  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = ['__version__']
