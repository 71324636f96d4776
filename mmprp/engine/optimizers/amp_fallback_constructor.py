"""Mixed precision that falls back to float32 where AMP cannot run."""
import logging
from typing import Optional

from mmaction.registry import OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.device import (is_cuda_available, is_mlu_available,
                             is_musa_available, is_npu_available)
from mmengine.logging import print_log
from mmengine.optim import DefaultOptimWrapperConstructor

AMP_ONLY_KEYS = ('loss_scale', 'dtype', 'use_fsdp')


def amp_device_available() -> bool:
    """Whether mmengine's ``AmpOptimWrapper`` can be built here.

    Returns:
        bool: True with a CUDA, NPU, MLU or MUSA device, the devices
        ``AmpOptimWrapper`` accepts.
    """
    return (is_cuda_available() or is_npu_available() or is_mlu_available()
            or is_musa_available())


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class AmpFallbackOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """mmengine's default constructor; ``AmpOptimWrapper`` only where it runs.

    mmengine 0.10.7's ``AmpOptimWrapper`` refuses to be built without an
    accelerator. With this constructor an ``AmpOptimWrapper`` config builds
    exactly that wrapper on a GPU (NPU, MLU, MUSA) and, on a CPU-only
    machine, a plain float32 ``OptimWrapper`` with the same optimizer and
    parameter-wise settings, with a warning in the log. Other wrapper types
    are built unchanged.

    Args:
        optim_wrapper_cfg (dict): The optimizer wrapper config.
        paramwise_cfg (dict, optional): Parameter-wise options.
    """

    def __init__(self,
                 optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        super().__init__(optim_wrapper_cfg, paramwise_cfg)
        if (self.optim_wrapper_cfg.get('type') == 'AmpOptimWrapper'
                and not amp_device_available()):
            self.optim_wrapper_cfg = self._float32_cfg(self.optim_wrapper_cfg)

    @staticmethod
    def _float32_cfg(amp_cfg: dict) -> dict:
        """The ``OptimWrapper`` config that replaces ``amp_cfg`` on a CPU.

        Args:
            amp_cfg (dict): An ``AmpOptimWrapper`` config without optimizer.

        Returns:
            dict: The same config with type ``OptimWrapper`` and no
            AMP-only keys.
        """
        print_log(
            'AmpOptimWrapper needs a GPU (CUDA, NPU, MLU or MUSA) and none '
            'is available: training in float32 with OptimWrapper',
            logger='current',
            level=logging.WARNING)
        cfg = {k: v for k, v in amp_cfg.items() if k not in AMP_ONLY_KEYS}
        cfg['type'] = 'OptimWrapper'
        return cfg
