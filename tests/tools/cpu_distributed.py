"""Test-only: let mmengine's ``pytorch`` launcher start CPU processes.

mmengine 0.10.7's ``_init_dist_pytorch`` calls ``torch.cuda.set_device``
before ``init_process_group``, which fails where there is no GPU (a CPU
build of torch has no ``torch._C._cuda_setDevice``). Imported through a
config's ``custom_imports`` (before the runner initialises the process
group), this module makes the launcher skip that call on a machine without
CUDA, so ``tools/dist_train.sh ... env_cfg.dist_cfg.backend=gloo`` runs
mmengine's distributed engine on CPU processes. With CUDA it changes
nothing.
"""
import mmengine.dist.utils as dist_utils
import torch
import torch.distributed as torch_dist


def init_dist_pytorch_on_cpu(backend: str = 'gloo',
                             init_backend: str = 'torch',
                             **kwargs) -> None:
    """``_init_dist_pytorch`` without the CUDA device selection.

    Args:
        backend (str): Communication backend (``gloo`` on CPU).
        init_backend (str): Must be ``torch``.
        **kwargs: Passed to ``torch.distributed.init_process_group``.
    """
    assert init_backend == 'torch', init_backend
    torch_dist.init_process_group(backend=backend, **kwargs)


if not torch.cuda.is_available():
    dist_utils._init_dist_pytorch = init_dist_pytorch_on_cpu
