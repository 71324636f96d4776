"""Pack a PRP sample: MMAction2's packing plus the sampler's index maps."""
from typing import Sequence

from mmaction.datasets.transforms import PackActionInputs
from mmaction.registry import TRANSFORMS

from ...structures import PRP_SAMPLE_KEYS


@TRANSFORMS.register_module()
class PackPRPInputs(PackActionInputs):
    """``PackActionInputs`` that also carries what PRP's model needs.

    The :class:`PlaybackRateSampler` adds the rate label, the number of
    rates and the index maps of the clip, the target and the attention
    frames (:data:`PRP_SAMPLE_KEYS`); this transform copies them into the
    ``ActionDataSample``, so configs need not list them.

    Required Keys:

        - imgs (the decoded distinct frames, after ``FormatShape``)
        - the keys of :data:`PRP_SAMPLE_KEYS` present (``attention_inds``
          only with attention)

    Added Keys:

        - inputs
        - data_samples (with the keys above as fields)

    Args:
        extra_keys (Sequence[str]): Further keys to carry. Defaults to none.
        **kwargs: Other arguments of ``PackActionInputs`` (``meta_keys``,
            ``collect_keys``).
    """

    def __init__(self, extra_keys: Sequence[str] = (), **kwargs) -> None:
        super().__init__(
            algorithm_keys=PRP_SAMPLE_KEYS + tuple(extra_keys), **kwargs)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(algorithm_keys='
                f'{self.algorithm_keys}, meta_keys={self.meta_keys})')
