"""Checkpoints of never-trained models: the random-initialisation baseline."""
import logging
from pathlib import Path
from typing import Union

import torch
from mmaction.registry import MODELS
from mmengine import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmengine.runner import set_random_seed


def save_random_init_checkpoint(config: Union[str, Path, Config],
                                out_file: Union[str, Path],
                                seed: int = 0) -> Path:
    """Build a config's model, initialise it seeded and save it.

    The paper's "random" rows evaluate an encoder that was never pretrained;
    ``tools/test.py`` and ``load_from`` always load a checkpoint, so this
    writes one (``meta`` notes the config, the seed and ``random_init``).

    Args:
        config (str | Path | Config): Config (or its file) whose ``model``
            is built.
        out_file (str | Path): Checkpoint to write; folders are created.
        seed (int): Seed of the initialisation. Defaults to 0.

    Returns:
        Path: ``out_file``.
    """
    cfg = config if isinstance(config, Config) else Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    set_random_seed(seed)
    model = MODELS.build(cfg.model)
    logger = MMLogger.get_instance('mmengine')
    level = logger.level
    # BaseModule.init_weights logs one INFO record per parameter
    logger.setLevel(logging.WARNING)
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    meta = dict(config=str(cfg.filename), seed=seed, random_init=True)
    torch.save(dict(meta=meta, state_dict=model.state_dict()), out_file)
    return out_file
