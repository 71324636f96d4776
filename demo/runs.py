"""The runs of the built-in demo: data, PRP pretraining, evaluation.

Pretraining and evaluation are ordinary mmengine runs of the demo configs
(``demo/configs/``), pointed at the demo's dataset and work dirs, so their
logs, ``vis_data/scalars.json`` and checkpoints are the ones a
``tools/train.py`` / ``tools/test.py`` run writes.
"""
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from mmengine import Config
from mmengine.runner import Runner

from mmprp.apis import pipeline_steps, step_index
from mmprp.datasets.preparation import read_mmaction_list, split_mmaction_list
from mmprp.testing import SyntheticDataset, generate_synthetic_ucf101
from mmprp.utils import save_random_init_checkpoint
from mmprp.visualization import read_training_curves
from mmprp.visualization.training_curves import MONITOR_TOP1
from .settings import EVAL_CONFIG, PRETRAIN_CONFIG, DemoSettings

# The retrieval monitor's gallery and queries: split 1's held-out train
# groups (PRP's val list), the first half of the groups and the second half
MONITOR_LISTS = ('ucf101_monitor_gallery_split_1_videos.txt',
                 'ucf101_monitor_query_split_1_videos.txt')


@dataclass(frozen=True)
class PretrainRun:
    """One finished pretraining run.

    Attributes:
        seed (int): Its seed.
        work_dir (Path): Its mmengine work dir.
        checkpoint (Path): The last checkpoint (the one evaluated).
        seconds (float): Wall time of the run.
        rate_acc (float | None): Rate accuracy of the last validation.
        monitor_top1 (dict[int, float]): Retrieval top-1 of the held-out
            train videos (``RetrievalMonitorHook``) by epoch, 0 the random
            initialisation.
    """

    seed: int
    work_dir: Path
    checkpoint: Path
    seconds: float
    rate_acc: Optional[float]
    monitor_top1: Dict[int, float]


def make_dataset(settings: DemoSettings) -> SyntheticDataset:
    """Write the synthetic dataset afresh, with the monitor's lists.

    Args:
        settings (DemoSettings): Its size and seed.

    Returns:
        SyntheticDataset: Where it lies.
    """
    if settings.data_dir.exists():
        shutil.rmtree(settings.data_dir)
    dataset = generate_synthetic_ucf101(
        settings.data_dir,
        num_classes=settings.num_classes,
        groups_per_class=settings.groups_per_class,
        clips_per_group=settings.clips_per_group,
        num_frames=settings.num_frames,
        frame_size=settings.frame_size,
        seed=settings.data_seed,
        object_size=settings.object_size,
        appearance=settings.appearance,
        held_out_groups=settings.monitor_groups)
    write_monitor_lists(dataset)
    return dataset


def write_monitor_lists(dataset: SyntheticDataset) -> Tuple[Path, Path]:
    """Split split 1's held-out train videos into gallery and queries.

    The held-out groups (PRP's val list of split 1) are sorted; the videos
    of the first half of them are the gallery, those of the second half
    the queries, so no query shares a group (background family and
    palette) with a gallery video, as no test video does with a train
    video in the evaluation.

    Args:
        dataset (SyntheticDataset): A dataset with held-out groups.

    Returns:
        tuple[Path, Path]: The gallery and query lists
        (:data:`MONITOR_LISTS`), in the held-out list's order.
    """
    held_out = dataset.prp_ann_files[1][1]
    groups = sorted(
        {dataset.groups[video]
         for video, _ in read_mmaction_list(held_out)})
    query_groups = set(groups[len(groups) // 2:])
    return split_mmaction_list(
        held_out, lambda entry: dataset.groups[entry[0]] in query_groups,
        [dataset.root / name for name in MONITOR_LISTS])


def _point_at_data(cfg: Config, loaders: tuple, data_dir: Path) -> None:
    """Rewrite the annotation files and video folder of data loaders.

    Args:
        cfg (Config): The config, changed in place.
        loaders (tuple[str, ...]): Data loader keys, e.g. ``'val'``.
        data_dir (Path): The demo dataset.
    """
    for loader in loaders:
        dataset = cfg[f'{loader}_dataloader'].dataset
        for key in ('ann_file', 'query_ann_file'):
            if key in dataset:
                dataset[key] = str(data_dir / Path(dataset[key]).name)
        dataset.data_prefix.video = str(data_dir / 'videos')


def prp_sampler(cfg: Config) -> dict:
    """The PlaybackRateSampler step of a config's training pipeline.

    Args:
        cfg (Config): A PRP config.

    Returns:
        dict: The step's config, with the dataset's protocol (``prp``).
    """
    steps = pipeline_steps(cfg, 'train')
    return steps[step_index(steps, 'PlaybackRateSampler')]


def pretrain_config(settings: DemoSettings, seed: int) -> Config:
    """The demo's PRP config for one seed, with the retrieval monitor.

    Args:
        settings (DemoSettings): The demo run.
        seed (int): Training seed.

    Returns:
        Config: ``demo/configs/prp_c3d_demo.py`` on the demo's data, work
        dir ``run_dir('pretrain', seed)``, with a
        :class:`~mmprp.engine.RetrievalMonitorHook` (:func:`monitor_hook`)
        at every validation.
    """
    cfg = Config.fromfile(PRETRAIN_CONFIG)
    cfg.work_dir = str(settings.run_dir('pretrain', seed))
    cfg.randomness = dict(seed=seed)
    cfg.experiment_name = f'demo_pretrain_seed{seed}_{time.time_ns()}'
    _point_at_data(cfg, ('train', 'val', 'test'), settings.data_dir)
    if settings.epochs is not None:
        cfg.train_cfg.max_epochs = settings.epochs
        cfg.train_cfg.val_interval = min(cfg.train_cfg.val_interval,
                                         settings.epochs)
    cfg.custom_hooks = cfg.get('custom_hooks', []) + [
        monitor_hook(settings, cfg.train_cfg.val_interval)
    ]
    return cfg


def monitor_hook(settings: DemoSettings, interval: int) -> dict:
    """The retrieval monitor of the demo's pretraining.

    Retrieval top-1/5 of the held-out train videos
    (:func:`write_monitor_lists`) with the features and clips of the
    demo's evaluation (:func:`eval_pipeline`), before training and every
    ``interval`` epochs.

    Args:
        settings (DemoSettings): The demo run.
        interval (int): Epochs between evaluations.

    Returns:
        dict: A ``RetrievalMonitorHook`` config.
    """
    data = settings.data_dir
    return dict(
        type='RetrievalMonitorHook',
        dataset=dict(
            type='RetrievalVideoDataset',
            ann_file=str(data / MONITOR_LISTS[0]),
            query_ann_file=str(data / MONITOR_LISTS[1]),
            data_prefix=dict(video=str(data / 'videos')),
            pipeline=eval_pipeline(settings)),
        split_train_ann_file=str(data / 'ucf101_train_split_1_videos.txt'),
        interval=interval,
        topk=(1, 5))


def eval_pipeline(settings: DemoSettings) -> List[dict]:
    """The test pipeline of ``demo/configs/retrieval_c3d_demo.py``.

    Args:
        settings (DemoSettings): The demo run; ``eval_clips`` sets the clips
            per video.

    Returns:
        list[dict]: The pipeline's steps.
    """
    pipeline = Config.fromfile(EVAL_CONFIG).test_dataloader.dataset.pipeline
    _set_eval_clips(pipeline, settings)
    return pipeline


def _set_eval_clips(pipeline: List[dict], settings: DemoSettings) -> None:
    """Give an evaluation pipeline the settings' clips per video, if set.

    Args:
        pipeline (list[dict]): The steps, changed in place.
        settings (DemoSettings): The demo run.
    """
    if settings.eval_clips is not None:
        for step in pipeline:
            if step['type'] == 'SampleFrames':
                step['num_clips'] = settings.eval_clips


def pretrain(settings: DemoSettings, seed: int) -> PretrainRun:
    """Pretrain PRP on the demo's train videos with one seed.

    Args:
        settings (DemoSettings): The demo run.
        seed (int): Training seed.

    Returns:
        PretrainRun: The run and its last checkpoint.
    """
    cfg = pretrain_config(settings, seed)
    start = time.perf_counter()
    runner = Runner.from_cfg(cfg)
    runner.train()
    seconds = time.perf_counter() - start
    work_dir = Path(cfg.work_dir)
    checkpoint = Path((work_dir / 'last_checkpoint').read_text().strip())
    history = runner.message_hub.log_scalars.get('val/pretext/rate_acc')
    rate_acc = None if history is None else float(history.current())
    epochs, top1 = read_training_curves(work_dir).val[MONITOR_TOP1]
    return PretrainRun(seed, work_dir, checkpoint, seconds, rate_acc,
                       dict(zip(epochs.astype(int).tolist(), top1.tolist())))


def random_init_checkpoint(settings: DemoSettings, seed: int) -> Path:
    """Save the demo model's random initialisation for one seed.

    Args:
        settings (DemoSettings): The demo run.
        seed (int): Seed of the initialisation.

    Returns:
        Path: The checkpoint, in ``run_dir('eval_random', seed)``.
    """
    out = settings.run_dir('eval_random', seed) / 'random_init.pth'
    return save_random_init_checkpoint(
        pretrain_config(settings, seed), out, seed)


def eval_config(settings: DemoSettings, checkpoint: Path,
                work_dir: Path) -> Config:
    """The demo's retrieval + probe config for one checkpoint.

    Args:
        settings (DemoSettings): The demo run.
        checkpoint (Path): A PRP or random-initialisation checkpoint.
        work_dir (Path): The run's work dir.

    Returns:
        Config: ``demo/configs/retrieval_c3d_demo.py`` on the demo's data.
    """
    cfg = Config.fromfile(EVAL_CONFIG)
    cfg.work_dir = str(work_dir)
    cfg.load_from = str(checkpoint)
    cfg.experiment_name = f'demo_eval_{time.time_ns()}'
    _point_at_data(cfg, ('test', ), settings.data_dir)
    _set_eval_clips(cfg.test_dataloader.dataset.pipeline, settings)
    return cfg


def evaluate(settings: DemoSettings, checkpoint: Path,
             work_dir: Path) -> Dict[str, float]:
    """Retrieval top-k and linear-probe accuracy of a checkpoint's encoder.

    Args:
        settings (DemoSettings): The demo run.
        checkpoint (Path): A PRP or random-initialisation checkpoint.
        work_dir (Path): The run's work dir.

    Returns:
        dict[str, float]: ``retrieval/top{k}``, ``probe/top1`` and the set
        sizes, as the evaluators report them.
    """
    return Runner.from_cfg(eval_config(settings, checkpoint, work_dir)).test()
