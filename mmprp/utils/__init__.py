"""Utilities: repairs of the installed OpenMMLab stack, checkpoint tools."""
from .backbone_export import extract_backbone_state_dict, no_bn_target_warning
from .bn_folding import batch_norm_keys, batch_norm_layers, fold_batch_norms
from .checkpoint_loading import (check_state_dict, load_local_checkpoint,
                                 register_checkpoint_loaders)
from .checkpoint_stand_ins import MMENGINE_GLOBALS, rebuild_plain_data
from .import_repairs import NO_REPAIRS, apply_repairs, skipped_repairs
from .mmaction_compat import install_drn_placeholder, patch_localizers_init
from .mmaction_tools import mmaction_tool_path, run_mmaction_tool
from .random_init import save_random_init_checkpoint
from .work_dir_lock import WorkDirLock

__all__ = [
    'extract_backbone_state_dict', 'no_bn_target_warning', 'batch_norm_keys',
    'batch_norm_layers', 'fold_batch_norms', 'check_state_dict',
    'MMENGINE_GLOBALS', 'load_local_checkpoint', 'rebuild_plain_data',
    'register_checkpoint_loaders', 'NO_REPAIRS', 'apply_repairs',
    'skipped_repairs', 'install_drn_placeholder', 'patch_localizers_init',
    'mmaction_tool_path', 'run_mmaction_tool', 'save_random_init_checkpoint',
    'WorkDirLock'
]
