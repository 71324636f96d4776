# PRP C3D on UCF101 with automatic mixed precision: mmengine's
# AmpOptimWrapper runs forward and loss under bfloat16 autocast (GPUs with
# bf16: A100, H100, RTX 30xx and later; on V100/T4 use
# `--cfg-options optim_wrapper.dtype=float16`) with dynamic loss scaling.
# AmpFallbackOptimWrapperConstructor builds exactly that wrapper on a GPU and
# a plain float32 OptimWrapper, with a warning, where there is none.
_base_ = ['./prp_c3d_ucf101.py']
optim_wrapper = dict(
    type='AmpOptimWrapper',
    dtype='bfloat16',
    loss_scale='dynamic',
    constructor='AmpFallbackOptimWrapperConstructor')
