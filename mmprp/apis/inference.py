"""Load a config and a checkpoint into a model, and run one video through
its pipeline: what the tools, the demo and the figures share."""
import logging
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Sequence, Union

import torch
from mmaction.registry import MODELS
from mmengine.config import Config, ConfigDict
from mmengine.dataset import Compose, pseudo_collate
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import CheckpointLoader, load_state_dict
from torch import nn

from ..datasets import pipeline_with_protocol
from ..utils.state_dict_match import require_parts
from ..utils.typing_utils import PathLike


@contextmanager
def _quiet_mmengine() -> Iterator[None]:
    """Hide mmengine's per-parameter INFO records of ``init_weights``."""
    logger = MMLogger.get_instance('mmengine')
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def load_config(config: Union[PathLike, Config],
                cfg_options: Optional[dict] = None) -> Config:
    """Read a config, apply overrides and make its default scope current.

    Args:
        config (str | Path | Config): A config file or a loaded config.
        cfg_options (dict, optional): ``--cfg-options`` style overrides
            (dotted keys), merged into the config. Defaults to None.

    Returns:
        Config: The config.
    """
    cfg = config if isinstance(config, Config) else Config.fromfile(
        str(config))
    cfg.merge_from_dict(cfg_options or {})
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    return cfg


def build_model(
    cfg: Config,
    checkpoint: Optional[PathLike] = None,
    seed: int = 0,
    device: str = 'cpu',
    required: Sequence[str] = ('backbone', )) -> nn.Module:
    """Build the config's model, seeded, and load a checkpoint into it.

    The model is initialised with ``init_weights`` under ``seed`` (without
    touching the global random state); a checkpoint, if given, must fill
    every tensor of the ``required`` parts, and is loaded non-strictly
    otherwise, so a PRP checkpoint also fills the backbone of a downstream
    model (mmengine reports the other missing and unexpected keys).

    Args:
        cfg (Config): Config with a ``model``.
        checkpoint (str | Path, optional): Checkpoint file; None keeps the
            random initialisation.
        seed (int): Seed of the random initialisation. Defaults to 0.
        device (str): Device of the model. Defaults to ``'cpu'``.
        required (Sequence[str]): Parts of the model (attribute names) the
            checkpoint must fill; parts the model lacks are skipped.
            Defaults to ``('backbone',)``.

    Returns:
        nn.Module: The model in eval mode.

    Raises:
        ValueError: If the checkpoint does not fill a required part (a
            checkpoint of another model would draw random weights).
    """
    with torch.random.fork_rng(devices=[]), _quiet_mmengine():
        torch.manual_seed(seed)
        model = MODELS.build(cfg.model)
        model.init_weights()
    if checkpoint is not None:
        loaded = CheckpointLoader.load_checkpoint(str(checkpoint), 'cpu')
        state_dict = loaded.get('state_dict', loaded)
        require_parts(model, state_dict, required, str(checkpoint))
        load_state_dict(model, state_dict, strict=False, logger='current')
    return model.to(device).eval()


def pipeline_steps(cfg: Config, loader: str = 'val') -> List[ConfigDict]:
    """The steps of a data loader's pipeline in a config, copied.

    Args:
        cfg (Config): Config with a ``<loader>_dataloader``.
        loader (str): ``'train'``, ``'val'`` or ``'test'``. Defaults to
            ``'val'``.

    Returns:
        list[ConfigDict]: The steps; a ``PlaybackRateSampler`` step with the
        dataset's ``prp`` (PRP's protocol), if it has one.
    """
    dataset = cfg[f'{loader}_dataloader'].dataset
    return [
        step.copy() for step in pipeline_with_protocol(dataset.pipeline,
                                                       dataset.get('prp'))
    ]


def step_index(steps: List[ConfigDict], suffix: str) -> int:
    """Position of the first step whose type ends with ``suffix``.

    Args:
        steps (list[ConfigDict]): Pipeline steps.
        suffix (str): E.g. ``'Decode'`` or ``'PlaybackRateSampler'``.

    Returns:
        int: Its index.

    Raises:
        ValueError: If no step matches.
    """
    for index, step in enumerate(steps):
        if step['type'].endswith(suffix):
            return index
    raise ValueError(f'the pipeline has no *{suffix} step: '
                     f'{[step["type"] for step in steps]}')


def with_frame_indices(steps: List[ConfigDict]) -> List[ConfigDict]:
    """Make the final packing step also keep ``frame_inds``.

    Args:
        steps (list[ConfigDict]): Pipeline steps ending with
            ``PackActionInputs`` or ``PackPRPInputs``.

    Returns:
        list[ConfigDict]: The steps, the packing step replaced.

    Raises:
        ValueError: If the last step is neither.
    """
    pack = steps[-1]
    if pack['type'] == 'PackPRPInputs':
        keys = tuple(pack.get('extra_keys', ())) + ('frame_inds', )
        return steps[:-1] + [dict(pack, extra_keys=keys)]
    if pack['type'] != 'PackActionInputs':
        raise ValueError(f'the validation pipeline must end with '
                         f'PackActionInputs or PackPRPInputs, not '
                         f'{pack["type"]}')
    keys = tuple(pack.get('algorithm_keys', ())) + ('frame_inds', )
    return steps[:-1] + [dict(pack, algorithm_keys=keys)]


def load_video_batch(steps: List[ConfigDict], video: PathLike,
                     model: nn.Module) -> Dict:
    """Run a pipeline on one video and the model's data preprocessor.

    Args:
        steps (list[ConfigDict]): Pipeline from a video file to packed
            inputs.
        video (str | Path): The video file.
        model (nn.Module): Its ``data_preprocessor`` is applied.

    Returns:
        dict: ``inputs`` (1, ...) on the model's device and
        ``data_samples`` (a one-element list).

    Raises:
        ValueError: If the pipeline drops the video.
    """
    results = Compose(steps)(
        dict(filename=str(video), start_index=0, modality='RGB'))
    if results is None:
        raise ValueError(f'the pipeline could not sample {video}: too short '
                         f'for the requested playback rate')
    return model.data_preprocessor(pseudo_collate([results]), False)
