"""Reproduce the paper's Tables 1-5 (PRP, CVPR 2020) with one command.

Given UCF101 and HMDB51 prepared by ``tools/data/prepare_annotations.py``
(videos under ``ROOT/videos``, the lists in ``ROOT``), this runs every job
of the tables chosen with ``--tables`` (default: all five):

* Table 3 (action recognition), for the chosen encoders (C3D, R3D,
  R(2+1)D), the PRP and the random-initialisation rows: PRP pretraining on
  UCF101 split 1 (``configs/prp/prp_<arch>_ucf101.py``, lowest-validation-
  loss checkpoint) or a random initialisation of the same model
  (``tools/random_init_checkpoint.py``, seed 0); finetuning with the
  authors' recipe on UCF101 and HMDB51 splits 1-3 from either
  (``configs/finetune/finetune_<arch>_<dataset>_split<N>.py``), then the
  10-clip test of the lowest-validation-loss checkpoint (top-1);
* Tables 4 and 5 (retrieval on UCF101 / HMDB51 split 1, no finetuning;
  need split 1 among ``--splits``): the same encoders through
  ``configs/retrieval/retrieval_<arch>_<dataset>_split1.py``;
* Table 2 (ablations, C3D, UCF101 split 1): a pretraining per ablation
  (``configs/prp/ablation/prp_c3d_ucf101_<row>.py``), its finetuning and
  test on UCF101 split 1 and its retrieval; the rows "Random" and "DG-P"
  are the C3D runs of Tables 3-4 (DG-P's config is the PRP config);
* Table 1 (the DP ablations' rate accuracy): ``tools/test.py`` of each DP
  pretraining on the UCF101 split-1 test videos.

With ``--from-authors DIR`` the PRP rows start from the authors' released
models converted by ``tools/convert_authors_checkpoint.py``
(``DIR/<arch>.pth``) instead of pretraining, every job then resizing frames
with PIL's bilinear filter as the authors' code does
(``OpenCVForwardDecode``'s ``backend='pillow'``); Tables 1-2 need
pretraining and are not run then.

It writes ``WORK_DIR/results.json`` and ``WORK_DIR/results.md``: Tables
1-5 laid out as in the paper, the paper's numbers beside ours and the
number of runs behind each of ours (``mmprp/evaluation/paper_tables.py``).

Every job is a subprocess of ``tools/train.py`` / ``tools/test.py`` (with
``--launcher dist``: ``tools/dist_train.sh`` / ``dist_test.sh`` on all GPUs),
as a user would run it; its output goes to ``driver.log`` in its folder. A
job that succeeded leaves ``done.json`` there and is skipped afterwards; a
training job that was interrupted resumes from its last checkpoint. Run the
same command again after a failure or a kill: it continues where it stopped.
A job two tables share (e.g. the C3D pretraining) runs once. ``--dry-run``
prints every job and an estimate of its GPU-hours, per table. Examples::

    python tools/reproduce_paper.py work_dirs/reproduce --gpus 4
    python tools/reproduce_paper.py work_dirs/reproduce --tables 1 2 --dry-run
    python tools/reproduce_paper.py work_dirs/authors --gpus 4 \\
        --from-authors downloads/prp        # c3d.pth, r3d.pth, r21d.pth
    python tools/reproduce_paper.py work_dirs/c3d --tables 3 --archs c3d \\
        --datasets ucf101 --splits 1 --dry-run
"""
import argparse
import functools
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Set

from mmengine import Config

from mmprp.datasets.preparation import DATASETS as PREPARATIONS
from mmprp.evaluation.paper_tables import (ABLATION_NAMES, ARCH_NAMES, ARCHS,
                                           DATASETS, RETRIEVAL_SPLIT,
                                           RETRIEVAL_TABLES, SPLITS, TABLES,
                                           ablation, build_tables,
                                           results_markdown)

REPO = Path(__file__).resolve().parents[1]
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
DONE_FILE = 'done.json'
LOG_FILE = 'driver.log'
PLAN_FILE = 'reproduce.json'
AUTHORS_SUFFIXES = ('.pth', '.pth.tar', '.pt')
# The decode step that resizes, and its backend giving the authors' pixels.
DECODE_STEP = 'OpenCVForwardDecode'
AUTHORS_RESIZE_BACKEND = 'pillow'
POLL_SECONDS = 0.5
RANDOM_INIT_SEED = 0
# Tables 3-5 before the ablations, PRP before random init: their jobs (the
# PRP pretrainings first) are listed, hence started, first.
BUILD_ORDER = (3, 4, 5, 2, 1)
BUILD_INITS = ('prp', 'random')

# The GPU-hour estimate of --dry-run: compute only. A job's multiply-adds
# (GMAC per 16x112x112 clip: the encoder's counted with forward hooks on the
# shipped encoders; the rate head's and the decoder's from their layer
# shapes; backward = 2x forward) over ASSUMED_TFLOPS, an assumption (no GPU
# has run this project): roughly a V100's fp32 peak, a modest share of an
# A100's or H100's. Data loading, checkpoints and idle GPUs are not counted.
ENCODER_GMAC = dict(c3d=38.5, r3d=19.9, r21d=21.4)
RATE_HEAD_GMAC = 0.7
DECODER_GMAC, DECODER_GMAC_PER_R = 21.5, 1.9
ASSUMED_TFLOPS = 15.
TRAIN_PASSES = 3
TEST_CLIPS = 10
# The paper's schedule, as the shipped configs set it: pretraining 300
# epochs, finetuning 160, validation videos held out of the train list (as
# tools/data/prepare_annotations.py holds them out by default).
PRETRAIN_EPOCHS, FINETUNE_EPOCHS = 300, 160
# Videos of the official (train, test) lists, per dataset and split.
VIDEOS = {
    ('ucf101', 1): (9537, 3783),
    ('ucf101', 2): (9586, 3734),
    ('ucf101', 3): (9624, 3696),
    **{
        ('hmdb51', split): (3570, 1530)
        for split in SPLITS
    },
}


def gpu_seconds(gmac: float, trained: float, inferred: float) -> float:
    """Estimated GPU-seconds of a job.

    Args:
        gmac (float): The network's GMAC per clip (forward).
        trained (float): Clips through a training step.
        inferred (float): Clips through a forward pass only.

    Returns:
        float: Seconds at :data:`ASSUMED_TFLOPS`.
    """
    flops = 2e9 * gmac * (TRAIN_PASSES * trained + inferred)
    return flops / (ASSUMED_TFLOPS * 1e12)


def pretext_gmac(arch: str, rate_head: bool,
                 recon_rate: Optional[int]) -> float:
    """GMAC per clip of a PRP model: encoder, rate head, decoder."""
    decoder = 0. if recon_rate is None else (DECODER_GMAC
                                             + DECODER_GMAC_PER_R * recon_rate)
    return ENCODER_GMAC[arch] + RATE_HEAD_GMAC * rate_head + decoder


def training_seconds(gmac: float, dataset: str, split: int,
                     epochs: int) -> float:
    """A training run: every epoch trains on the train list less the
    held-out videos and validates on those."""
    train = VIDEOS[dataset, split][0]
    held_out = PREPARATIONS[dataset].num_val
    return gpu_seconds(gmac, epochs * (train - held_out), epochs * held_out)


@dataclass
class Job:
    """One run of a tool, the jobs it needs first and what it leaves.

    Attributes:
        name (str): What it does, e.g. ``'finetune c3d ucf101 split 1'``.
        folder (Path): Its work dir; ``done.json`` there marks it done.
        command (Callable[[], list[str]]): Builds the command line (once
            the jobs it depends on are done).
        collect (Callable[[], dict]): Reads its outputs after success.
        deps (list[Job]): Jobs that must be done first.
        trains (bool): Whether it trains (and can resume).
        gpu_seconds (float): Its estimated GPU time (see
            :func:`gpu_seconds`).
        tables (set[int]): The paper's tables it serves.
    """

    name: str
    folder: Path
    command: Callable[[], List[str]]
    collect: Callable[[], dict]
    deps: List['Job'] = field(default_factory=list)
    trains: bool = False
    gpu_seconds: float = 0.
    tables: Set[int] = field(default_factory=set)

    @property
    def done(self) -> bool:
        """bool: Whether a run of it succeeded (``done.json`` exists)."""
        return (self.folder / DONE_FILE).is_file()

    def record(self) -> dict:
        """dict: What the successful run left (``done.json``)."""
        return json.loads((self.folder / DONE_FILE).read_text())

    def checkpoint(self) -> str:
        """str: The checkpoint the job produced."""
        return self.record()['checkpoint']

    def finish(self, command: List[str]) -> None:
        """Collect the outputs and write ``done.json``."""
        record = dict(job=self.name, command=command, **self.collect())
        (self.folder / DONE_FILE).write_text(json.dumps(record, indent=2))


def init_folder(work_dir: Path, init: str) -> Path:
    """Where the jobs from one initialisation go: PRP's in the work dir,
    random init's in ``random_init/``, an ablation's in
    ``ablation/<name>/``."""
    if init == 'prp':
        return work_dir
    if init == 'random':
        return work_dir / 'random_init'
    return work_dir / 'ablation' / init


def finetune_name(arch: str, dataset: str, split: int) -> str:
    """The finetuning config's name (under ``configs/finetune/``), which is
    also its work dir's."""
    return f'finetune_{arch}_{dataset}_split{split}'


def retrieval_name(arch: str, dataset: str) -> str:
    """The retrieval config's name (under ``configs/retrieval/``), which is
    also its work dir's."""
    return f'retrieval_{arch}_{dataset}_split{RETRIEVAL_SPLIT}'


def ablation_config(name: str) -> Path:
    """The pretraining config of an ablation row."""
    return config_path('prp', f'ablation/prp_c3d_ucf101_{name}')


def finetune_folder(work_dir: Path, init: str, arch: str, dataset: str,
                    split: int) -> Path:
    """A finetuning's work dir (its test's: ``test/`` inside)."""
    return init_folder(work_dir, init) / 'finetune' / finetune_name(
        arch, dataset, split)


def retrieval_folder(work_dir: Path, init: str, arch: str,
                     dataset: str) -> Path:
    """A retrieval's work dir."""
    return init_folder(work_dir, init) / 'retrieval' / retrieval_name(
        arch, dataset)


def result_folder(work_dir: Path, key: tuple) -> Path:
    """The work dir of the job that a result key of ``paper_tables`` names."""
    kind, init, *rest = key
    if kind == 'test':
        return finetune_folder(work_dir, init, *rest) / 'test'
    if kind == 'retrieval':
        return retrieval_folder(work_dir, init, *rest)
    if kind == 'rate_accuracy':
        return init_folder(work_dir, init) / 'rate_accuracy'
    raise ValueError(f'unknown result key {key!r}')


def init_suffix(init: str) -> str:
    """How a job's name says where its encoder comes from."""
    if init == 'prp':
        return ''
    if init == 'random':
        return ' from random init'
    return f' from ablation {init}'


class Plan:
    """Every job of the chosen tables and how each is run.

    A job two tables need (same work dir) is planned once; the list holds
    each job after the jobs it needs.

    Args:
        args (argparse.Namespace): The parsed command line.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work_dir = args.work_dir.resolve()
        self.roots = dict(
            ucf101=args.ucf101_root.resolve(),
            hmdb51=args.hmdb51_root.resolve())
        self._jobs: Dict[Path, Job] = {}
        builders = {
            1: self._table_1,
            2: self._table_2,
            3: self._table_3,
            4: self._retrieval_table,
            5: self._retrieval_table
        }
        for table in BUILD_ORDER:
            if table in args.tables:
                builders[table](table)

    @property
    def jobs(self) -> List[Job]:
        """list[Job]: Every job, each after the jobs it needs."""
        return list(self._jobs.values())

    def _add(self, job: Job, table: int) -> Job:
        """The planned job of ``job``'s folder (``job`` if new), serving
        ``table`` (every builder adds the jobs it needs too)."""
        job = self._jobs.setdefault(job.folder, job)
        job.tables.add(table)
        return job

    def _table_1(self, table: int) -> None:
        for name in self.args.ablations:
            if ablation(name).method == 'DP':
                source = self.encoder(name, 'c3d', table)
                self._add(self._rate_accuracy_job(name, source), table)

    def _table_2(self, table: int) -> None:
        for name in self.args.ablations:
            init = ablation(name).init
            self.test(init, 'c3d', 'ucf101', RETRIEVAL_SPLIT, table)
            self.retrieval(init, 'c3d', 'ucf101', table)

    def _table_3(self, table: int) -> None:
        for arch in self.args.archs:
            for init in BUILD_INITS:
                for dataset in self.args.datasets:
                    for split in self.args.splits:
                        self.test(init, arch, dataset, split, table)

    def _retrieval_table(self, table: int) -> None:
        dataset = RETRIEVAL_TABLES[table]
        if dataset not in self.args.datasets or (RETRIEVAL_SPLIT
                                                 not in self.args.splits):
            return
        for arch in self.args.archs:
            for init in BUILD_INITS:
                self.retrieval(init, arch, dataset, table)

    def encoder(self, init: str, arch: str, table: int) -> Job:
        """The job giving an encoder: PRP's pretraining (or the authors'
        model), a random initialisation or an ablation's pretraining."""
        if init == 'prp':
            job = self._authors_job(arch) if self.args.from_authors else (
                self._pretrain_job(arch))
        elif init == 'random':
            job = self._random_init_job(arch)
        else:
            job = self._ablation_job(init)
        return self._add(job, table)

    def test(self, init: str, arch: str, dataset: str, split: int,
             table: int) -> Job:
        """The test of a finetuning (planned too) from an encoder."""
        source = self.encoder(init, arch, table)
        finetune = self._add(
            self._finetune_job(init, arch, dataset, split, source), table)
        return self._add(self._test_job(finetune, arch, dataset, split), table)

    def retrieval(self, init: str, arch: str, dataset: str, table: int) -> Job:
        """Retrieval on split 1 with an encoder."""
        source = self.encoder(init, arch, table)
        return self._add(
            self._retrieval_job(init, arch, dataset, source), table)

    def _pretrain_job(self, arch: str) -> Job:
        config = config_path('prp', f'prp_{arch}_ucf101')
        folder = self.work_dir / 'pretrain' / config.stem
        return self._pretraining(f'pretrain {arch} ucf101 split 1', config,
                                 folder, pretext_gmac(arch, True, 2))

    def _ablation_job(self, name: str) -> Job:
        row = ablation(name)
        config = ablation_config(name)
        folder = init_folder(self.work_dir, name) / 'pretrain' / config.stem
        return self._pretraining(
            f'pretrain ablation {name} (c3d ucf101 split 1)', config, folder,
            pretext_gmac('c3d', row.rate_head, row.recon_rate))

    def _pretraining(self, name: str, config: Path, folder: Path,
                     gmac: float) -> Job:
        options = self.args.pretrain_cfg_options
        return Job(
            name=name,
            folder=folder,
            command=lambda: self.train_command(config, folder, options),
            collect=lambda: dict(
                checkpoint=best_checkpoint(folder, 'pretext_loss')),
            trains=True,
            gpu_seconds=training_seconds(gmac, 'ucf101', 1, PRETRAIN_EPOCHS))

    def _random_init_job(self, arch: str) -> Job:
        config = config_path('prp', f'prp_{arch}_ucf101')
        out = init_folder(self.work_dir,
                          'random') / 'init' / arch / 'random_init.pth'
        tool = REPO / 'tools' / 'random_init_checkpoint.py'
        head = [
            sys.executable,
            str(tool),
            str(config),
            str(out), '--seed',
            str(RANDOM_INIT_SEED)
        ]
        return Job(
            name=f'random init {arch}',
            folder=out.parent,
            command=lambda: [*head, *self.model_options(config)],
            collect=lambda: dict(checkpoint=str(out), seed=RANDOM_INIT_SEED))

    def _authors_job(self, arch: str) -> Job:
        source = authors_file(self.args.from_authors, arch)
        out = self.work_dir / 'authors' / arch / f'prp_{arch}_authors.pth'
        tool = REPO / 'tools' / 'convert_authors_checkpoint.py'
        command = [sys.executable, str(tool), str(source), str(out)]
        return Job(
            name=f'convert the authors\' {arch}',
            folder=out.parent,
            command=lambda: [*command, '--arch', arch],
            collect=lambda: dict(checkpoint=str(out), source=str(source)))

    def _finetune_job(self, init: str, arch: str, dataset: str, split: int,
                      source: Job) -> Job:
        config = config_path('finetune', finetune_name(arch, dataset, split))
        folder = finetune_folder(self.work_dir, init, arch, dataset, split)
        options = self.args.finetune_cfg_options
        return Job(
            name=f'finetune {arch} {dataset} split {split}'
            f'{init_suffix(init)}',
            folder=folder,
            command=lambda: self.train_command(config, folder, [
                f'load_from={self.output(source)}', *options
            ]),
            collect=lambda: dict(
                checkpoint=best_checkpoint(folder, 'cls_loss')),
            deps=[source],
            trains=True,
            gpu_seconds=training_seconds(ENCODER_GMAC[arch], dataset, split,
                                         FINETUNE_EPOCHS))

    def _test_job(self, finetune: Job, arch: str, dataset: str,
                  split: int) -> Job:
        config = config_path('finetune', finetune_name(arch, dataset, split))
        folder = finetune.folder / 'test'
        options = self.args.finetune_cfg_options
        test_videos = VIDEOS[dataset, split][1]
        return Job(
            name=finetune.name.replace('finetune', 'test', 1),
            folder=folder,
            command=lambda: self.test_command(config, self.output(finetune),
                                              folder, options),
            collect=lambda: dict(metrics=logged_test_metrics(folder)),
            deps=[finetune],
            gpu_seconds=gpu_seconds(ENCODER_GMAC[arch], 0,
                                    TEST_CLIPS * test_videos))

    def _retrieval_job(self, init: str, arch: str, dataset: str,
                       source: Job) -> Job:
        config = config_path('retrieval', retrieval_name(arch, dataset))
        folder = retrieval_folder(self.work_dir, init, arch, dataset)
        options = self.args.retrieval_cfg_options
        videos = sum(VIDEOS[dataset, RETRIEVAL_SPLIT])
        return Job(
            name=f'retrieval {arch} {dataset} split {RETRIEVAL_SPLIT}'
            f'{init_suffix(init)}',
            folder=folder,
            command=lambda: self.test_command(config, self.output(source),
                                              folder, options),
            collect=lambda: dict(metrics=logged_test_metrics(folder)),
            deps=[source],
            gpu_seconds=gpu_seconds(ENCODER_GMAC[arch], 0,
                                    TEST_CLIPS * videos))

    def _rate_accuracy_job(self, name: str, source: Job) -> Job:
        config = ablation_config(name)
        folder = init_folder(self.work_dir, name) / 'rate_accuracy'
        row = ablation(name)
        return Job(
            name=f'rate accuracy of ablation {name} (ucf101 split 1 test '
            'videos)',
            folder=folder,
            command=lambda: self.test_command(
                config, self.output(source), folder,
                [*self.args.pretrain_cfg_options,
                 self.test_list_option()]),
            collect=lambda: dict(metrics=logged_test_metrics(folder)),
            deps=[source],
            gpu_seconds=gpu_seconds(
                pretext_gmac('c3d', row.rate_head, row.recon_rate), 0,
                VIDEOS['ucf101', RETRIEVAL_SPLIT][1]))

    def test_list_option(self) -> str:
        """``test_dataloader.dataset.ann_file=`` the UCF101 split-1 test
        list (the finetune config's), under ``--ucf101-root``."""
        finetune = load_config(
            config_path('finetune',
                        f'finetune_c3d_ucf101_split{RETRIEVAL_SPLIT}'))
        test_list = relocate(finetune.test_dataloader.dataset.ann_file,
                             self.roots)
        return f'test_dataloader.dataset.ann_file={test_list}'

    def output(self, job: Job) -> str:
        """The checkpoint of a job (a placeholder in a dry run)."""
        if self.args.dry_run and not job.done:
            return f'<checkpoint of: {job.name}>'
        return job.checkpoint()

    def options(self, config: Path, stage_options: Sequence[str]) -> List[str]:
        """``--cfg-options``: data roots (and, from the authors' models,
        their resampling), then the user's, then the stage's (those that
        apply to the config: :func:`applicable`).

        Args:
            config (Path): The job's config.
            stage_options (Sequence[str]): The stage's own options.

        Returns:
            list[str]: ``--cfg-options`` and its ``key=value`` items.
        """
        pixels = authors_pixels_options(config) if (
            self.args.from_authors) else []
        items = [
            *data_options(config, self.roots), *pixels,
            *applicable(config, [*self.args.cfg_options, *stage_options])
        ]
        return ['--cfg-options', *items]

    def model_options(self, config: Path) -> List[str]:
        """``--cfg-options`` of ``tools/random_init_checkpoint.py``: the
        user's and the pretraining's that apply (none: no option)."""
        items = applicable(
            config, [*self.args.cfg_options, *self.args.pretrain_cfg_options])
        return ['--cfg-options', *items] if items else []

    def train_command(self, config: Path, folder: Path,
                      stage_options: Sequence[str]) -> List[str]:
        """Train a config in ``folder``, resuming its last checkpoint."""
        if self.args.launcher == 'dist':
            head = [
                'bash',
                str(REPO / 'tools' / 'dist_train.sh'),
                str(config),
                str(self.args.gpus)
            ]
        else:
            head = [
                sys.executable,
                str(REPO / 'tools' / 'train.py'),
                str(config)
            ]
        resume = ['--resume'] if (folder / 'last_checkpoint').is_file() else []
        return [
            *head, '--work-dir',
            str(folder), *resume, *self.options(config, stage_options)
        ]

    def test_command(self, config: Path, checkpoint: str, folder: Path,
                     stage_options: Sequence[str]) -> List[str]:
        """Test ``checkpoint`` with a config, logging into ``folder``."""
        if self.args.launcher == 'dist':
            head = [
                'bash',
                str(REPO / 'tools' / 'dist_test.sh'),
                str(config), checkpoint,
                str(self.args.gpus)
            ]
        else:
            head = [
                sys.executable,
                str(REPO / 'tools' / 'test.py'),
                str(config), checkpoint
            ]
        return [
            *head, '--work-dir',
            str(folder), *self.options(config, stage_options)
        ]


def config_path(kind: str, name: str) -> Path:
    """The shipped config ``configs/<kind>/<name>.py``."""
    return REPO / 'configs' / kind / f'{name}.py'


def relocate(path: str, roots: Dict[str, Path]) -> str:
    """Move a config's ``data/<dataset>/...`` path under the given root.

    Args:
        path (str): A path from a shipped config.
        roots (dict[str, Path]): Dataset name -> its prepared folder.

    Returns:
        str: The same file under the dataset's root.

    Raises:
        ValueError: If the path is under no ``data/<dataset>/``.
    """
    for name, root in roots.items():
        default = f'data/{name}/'
        if path.startswith(default):
            return str(root / path[len(default):])
    raise ValueError(f'{path!r} is under none of '
                     f'{[f"data/{name}/" for name in roots]}')


def data_options(config: Path, roots: Dict[str, Path]) -> List[str]:
    """``key=value`` options pointing a config's loaders at the data roots.

    Args:
        config (Path): A shipped config (its lists are under
            ``data/<dataset>/``).
        roots (dict[str, Path]): Dataset name -> its prepared folder.

    Returns:
        list[str]: The annotation lists and video folders of every loader.
    """
    cfg = load_config(config)
    options = []
    for loader in LOADERS:
        dataset = (cfg.get(loader) or {}).get('dataset') or {}
        for key in ('ann_file', 'query_ann_file'):
            if key in dataset:
                options.append(
                    f'{loader}.dataset.{key}={relocate(dataset[key], roots)}')
        video = (dataset.get('data_prefix') or {}).get('video')
        if video:
            options.append(f'{loader}.dataset.data_prefix.video='
                           f'{relocate(video, roots)}')
    return options


def authors_pixels_options(config: Path) -> List[str]:
    """``key=value`` options resizing every loader's frames as the authors
    do: PIL's bilinear filter (antialiased), not OpenCV's.

    Args:
        config (Path): A shipped finetune or retrieval config, whose loaders
            resize in their ``OpenCVForwardDecode`` step.

    Returns:
        list[str]: The backend of each loader's decode step.

    Raises:
        ValueError: If a loader's pipeline resizes elsewhere (its pixels
            would stay OpenCV's) or has no decode step that resizes.
    """
    cfg = load_config(config)
    options = []
    for loader in LOADERS:
        dataset = (cfg.get(loader) or {}).get('dataset') or {}
        if 'pipeline' not in dataset:
            continue
        types = [
            str(step['type']).split('.')[-1] for step in dataset['pipeline']
        ]
        resizes = [
            index for index, step in enumerate(dataset['pipeline'])
            if types[index] == DECODE_STEP and step.get('scale') is not None
        ]
        if 'Resize' in types or len(resizes) != 1:
            raise ValueError(
                f'{config}: {loader} resizes in {types}; --from-authors needs '
                f'one {DECODE_STEP} step with a scale and no Resize step')
        options.append(f'{loader}.dataset.pipeline.{resizes[0]}.backend='
                       f'{AUTHORS_RESIZE_BACKEND}')
    return options


def authors_file(folder: Path, arch: str) -> Path:
    """The authors' released model of one encoder: ``<folder>/<arch>.pth``.

    Args:
        folder (Path): The folder given to ``--from-authors``.
        arch (str): ``'c3d'``, ``'r3d'`` or ``'r21d'``.

    Returns:
        Path: The file (``.pth``, ``.pth.tar`` or ``.pt``).

    Raises:
        FileNotFoundError: If there is none.
    """
    for suffix in AUTHORS_SUFFIXES:
        path = folder / f'{arch}{suffix}'
        if path.is_file():
            return path.resolve()
    names = ', '.join(f'{arch}{suffix}' for suffix in AUTHORS_SUFFIXES)
    raise FileNotFoundError(
        f"--from-authors {folder}: none of {names}; save the authors' "
        f'released {ARCH_NAMES[arch]} model there under one of these names')


@functools.lru_cache(maxsize=None)
def load_config(config: Path) -> Config:
    """A shipped config, read once per run (do not change it)."""
    return Config.fromfile(config)


def applicable(config: Path, items: Sequence[str]) -> List[str]:
    """The ``key=value`` options that apply to a config: not those whose
    key goes through a part the config sets to None (e.g. ``model.decoder.*``
    for an ablation without a decoder, ``model.rate_head.*`` for one without
    a rate head), which mmengine could not merge.

    Args:
        config (Path): A shipped config.
        items (Sequence[str]): ``key=value`` options.

    Returns:
        list[str]: The items that apply, in their order.
    """
    cfg = load_config(config)
    return [
        item for item in items
        if not through_none(cfg,
                            item.split('=', 1)[0].split('.')[:-1])
    ]


def through_none(cfg: Config, parents: Sequence[str]) -> bool:
    """Whether a key path's parents reach a None value of the config."""
    node = cfg
    for part in parents:
        if not isinstance(node, (dict, Config)) or part not in node:
            return False
        node = node[part]
        if node is None:
            return True
    return False


def best_checkpoint(folder: Path, key: str) -> str:
    """The one ``best_<key>_*.pth`` mmengine's CheckpointHook kept.

    Args:
        folder (Path): A training work dir.
        key (str): The metric, ``/`` as ``_`` (``'pretext_loss'``).

    Returns:
        str: Its path.

    Raises:
        FileNotFoundError: If there is not exactly one.
    """
    found = sorted(folder.glob(f'best_{key}_*.pth'))
    if len(found) != 1:
        raise FileNotFoundError(
            f'{folder}: expected one best_{key}_*.pth after training, found '
            f'{[path.name for path in found]} (did validation run?)')
    return str(found[0])


def logged_test_metrics(folder: Path) -> Dict[str, float]:
    """The metrics of the latest test run in a work dir.

    mmengine's LoggerHook writes them to ``<work dir>/<timestamp>/
    <timestamp>.json``.

    Args:
        folder (Path): The work dir given to ``tools/test.py``.

    Returns:
        dict[str, float]: Metric name -> value.

    Raises:
        FileNotFoundError: If no test run logged metrics there.
    """
    logs = sorted(
        path for path in folder.glob('*/*.json')
        if path.stem == path.parent.name)
    if not logs:
        raise FileNotFoundError(f'{folder}: no <timestamp>/<timestamp>.json '
                                'with test metrics')
    return json.loads(logs[-1].read_text())


def visible_devices(count: int) -> List[str]:
    """GPU ids for one-GPU jobs: the first ``count`` visible ones.

    Args:
        count (int): ``--gpus``.

    Returns:
        list[str]: ``CUDA_VISIBLE_DEVICES`` values, one per job slot.

    Raises:
        ValueError: If fewer GPUs are visible (``CUDA_VISIBLE_DEVICES``).
    """
    visible = os.environ.get('CUDA_VISIBLE_DEVICES')
    if visible is None:
        return [str(index) for index in range(count)]
    devices = [device for device in visible.split(',') if device]
    if len(devices) < count:
        raise ValueError(f'--gpus {count}, but CUDA_VISIBLE_DEVICES='
                         f'{visible!r} makes {len(devices)} visible')
    return devices[:count]


def start(job: Job, command: List[str],
          device: Optional[str]) -> subprocess.Popen:
    """Start a job's command, its output going to its ``driver.log``."""
    job.folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHON=sys.executable)
    if device is not None:
        env['CUDA_VISIBLE_DEVICES'] = device
    with open(job.folder / LOG_FILE, 'a') as log:
        log.write(f'$ {subprocess.list2cmdline(command)}\n')
        log.flush()
        return subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env)


def run_jobs(jobs: List[Job], slots: List[Optional[str]]) -> List[str]:
    """Run every job not done yet, as many at once as there are slots.

    A job starts once the jobs it needs are done. After a failure no new
    job starts; the running ones finish.

    Args:
        jobs (list[Job]): In an order that lists each job after its deps.
        slots (list[str | None]): One per concurrent job: the GPU it sees
            (``CUDA_VISIBLE_DEVICES``), or None to leave that unchanged.

    Returns:
        list[str]: A message per failed job (empty when all succeeded).
    """
    waiting = [job for job in jobs if not job.done]
    running: Dict[int, tuple] = {}
    failures: List[str] = []
    while waiting or running:
        for slot, (job, command, process) in list(running.items()):
            if process.poll() is None:
                continue
            del running[slot]
            failure = finish(job, command, process.returncode)
            if failure:
                failures.append(failure)
        ready = [] if failures else [
            job for job in waiting if all(dep.done for dep in job.deps)
        ]
        free = [slot for slot in range(len(slots)) if slot not in running]
        for job, slot in zip(ready, free):
            command = job.command()
            print(
                f'[start] {job.name} (log: {job.folder / LOG_FILE})',
                flush=True)
            running[slot] = (job, command, start(job, command, slots[slot]))
            waiting.remove(job)
        if failures and not running:
            break
        if running:
            time.sleep(POLL_SECONDS)
        elif waiting and not ready and not failures:
            raise RuntimeError('jobs wait for jobs that never run: '
                               f'{[job.name for job in waiting]}')
    return failures


def finish(job: Job, command: List[str], returncode: int) -> Optional[str]:
    """Record a finished job; a message when it failed."""
    log = job.folder / LOG_FILE
    if returncode != 0:
        message = f'{job.name} failed (exit status {returncode}); see {log}'
    else:
        try:
            job.finish(command)
            print(f'[done]  {job.name}', flush=True)
            return None
        except FileNotFoundError as error:
            message = f'{job.name} left no usable output: {error}'
    print(f'[fail]  {message}', flush=True)
    return message


def metrics_in(work_dir: Path, key: tuple) -> Optional[Dict[str, float]]:
    """The metrics of the finished job a result key names, or None."""
    record = read_record(result_folder(work_dir, key))
    return None if record is None else record['metrics']


def read_record(folder: Path) -> Optional[dict]:
    """A job folder's ``done.json``, or None."""
    path = folder / DONE_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def collect_results(work_dir: Path, source: str) -> dict:
    """Tables 1-5 with every result recorded in a work dir.

    Args:
        work_dir (Path): The reproduction's work dir.
        source (str): Where the PRP encoders came from, for the tables.

    Returns:
        dict: ``source`` and ``tables`` (``mmprp/evaluation/paper_tables.py``'s
        ``build_tables``).
    """
    tables = build_tables(functools.partial(metrics_in, work_dir))
    return dict(source=source, tables=tables)


def write_results(work_dir: Path, source: str) -> Path:
    """Write ``results.json`` and ``results.md``; return the latter."""
    results = collect_results(work_dir, source)
    (work_dir / 'results.json').write_text(json.dumps(results, indent=2))
    markdown = work_dir / 'results.md'
    markdown.write_text(results_markdown(results))
    return markdown


def encoder_source(args: argparse.Namespace) -> str:
    """Where the PRP encoders come from, as the results say it."""
    if args.from_authors:
        return ("the authors' released UCF101 split-1 models, converted "
                '(tools/convert_authors_checkpoint.py)')
    return ('pretrained by this run on UCF101 split 1 '
            '(configs/prp/prp_<arch>_ucf101.py, lowest validation loss)')


def check_same_source(work_dir: Path, source: str) -> None:
    """Refuse to mix encoders of another source into a work dir's results.

    Raises:
        SystemExit: If the work dir holds a run from another source.
    """
    plan = work_dir / PLAN_FILE
    if plan.is_file():
        previous = json.loads(plan.read_text())['source']
        if previous != source:
            raise SystemExit(f'{work_dir} holds a reproduction from '
                             f'{previous}; use another work dir for {source}')
    else:
        work_dir.mkdir(parents=True, exist_ok=True)
        plan.write_text(json.dumps(dict(source=source), indent=2))


def job_line(job: Job) -> str:
    """``[state] name (tables ...; GPU-hours)`` for the dry run."""
    if job.done:
        state = '[done]  '
    elif job.trains and (job.folder / 'last_checkpoint').is_file():
        state = '[resume]'
    else:
        state = '[run]   '
    tables = ', '.join(map(str, sorted(job.tables)))
    return (f'{state} {job.name} (table{"s" * (len(job.tables) > 1)} '
            f'{tables}; {job.gpu_seconds / 3600:.1f} GPU-h)')


def estimate_lines(jobs: List[Job], tables: Sequence[int]) -> List[str]:
    """The GPU-hour estimate per table, and of all jobs (each once)."""
    lines = [
        'Estimated GPU-hours (compute only, at an assumed '
        f'{ASSUMED_TFLOPS:g} TFLOP/s per GPU: docs/downstream.md):', '',
        '| table | jobs | GPU-hours | not done yet |', '|---|---|---|---|'
    ]
    groups = [(f'Table {table}', [job for job in jobs if table in job.tables])
              for table in sorted(tables)]
    groups.append(('all (shared jobs once)', jobs))
    for name, group in groups:
        total = sum(job.gpu_seconds for job in group) / 3600
        left = sum(job.gpu_seconds for job in group if not job.done) / 3600
        lines.append(f'| {name} | {len(group)} | {total:.1f} | {left:.1f} |')
    return lines


def print_plan(plan: Plan) -> None:
    """Print every job, whether it is done or resumes, its command, its
    tables and GPU-hours, then the estimate per table."""
    for job in plan.jobs:
        print(job_line(job))
        if not job.done:
            print(f'  {subprocess.list2cmdline(job.command())}')
    print()
    print('\n'.join(estimate_lines(plan.jobs, plan.args.tables)))


def key_values(text: str) -> str:
    """argparse type of a ``key=value`` config option."""
    if '=' not in text:
        raise argparse.ArgumentTypeError(
            f'{text!r} is not a key=value config option')
    return text


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 2)[2])
    parser.add_argument(
        'work_dir', type=Path, help='where every job and the results go')
    parser.add_argument(
        '--tables',
        nargs='+',
        type=int,
        choices=TABLES,
        help='the paper\'s tables to run (default: all; with '
        '--from-authors: 3 4 5)')
    parser.add_argument(
        '--ucf101-root',
        type=Path,
        default=Path('data/ucf101'),
        help='prepared UCF101: videos/ and the lists '
        '(default: data/ucf101)')
    parser.add_argument(
        '--hmdb51-root',
        type=Path,
        default=Path('data/hmdb51'),
        help='prepared HMDB51 (default: data/hmdb51)')
    parser.add_argument(
        '--gpus', type=int, default=1, help='GPUs to use (default: 1)')
    parser.add_argument(
        '--launcher',
        choices=('jobs', 'dist'),
        default='jobs',
        help="jobs: up to --gpus one-GPU jobs at once, each the paper's "
        'batch of 8 on one GPU (default); dist: each job on all --gpus GPUs '
        '(tools/dist_train.sh; batch 8 per GPU, the learning rate unchanged)')
    parser.add_argument(
        '--archs',
        nargs='+',
        choices=ARCHS,
        default=list(ARCHS),
        help='encoders of Tables 3-5 (Tables 1-2: C3D)')
    parser.add_argument(
        '--datasets',
        nargs='+',
        choices=DATASETS,
        default=list(DATASETS),
        help='datasets of Tables 3-5 (Tables 1-2: UCF101)')
    parser.add_argument(
        '--splits',
        nargs='+',
        type=int,
        choices=SPLITS,
        default=list(SPLITS),
        help='splits of Table 3 (Tables 4-5 need split 1; Tables 1-2: '
        'split 1)')
    parser.add_argument(
        '--ablations',
        nargs='+',
        choices=ABLATION_NAMES,
        default=list(ABLATION_NAMES),
        help='rows of Tables 1-2 (default: all; the DP rows are Table 1\'s)')
    parser.add_argument(
        '--from-authors',
        type=Path,
        metavar='DIR',
        help="start from the authors' released models DIR/<arch>.pth "
        '(or .pth.tar) instead of pretraining; frames are then resized with '
        "PIL's bilinear filter, as the authors'")
    for stage, what in (('', 'every job'),
                        ('pretrain-', 'pretraining, random initialisation '
                         'and rate accuracy'), ('finetune-',
                                                'finetuning and its test'),
                        ('retrieval-', 'retrieval')):
        parser.add_argument(
            f'--{stage}cfg-options',
            nargs='+',
            type=key_values,
            default=[],
            metavar='KEY=VALUE',
            help=f'config overrides for {what}')
    parser.add_argument(
        '--dry-run',
        action='store_true',
        help='print the jobs, their commands and GPU-hours, run nothing')
    args = parser.parse_args(argv)
    if args.gpus < 1:
        parser.error('--gpus must be at least 1')
    if args.from_authors and args.tables and {1, 2} & set(args.tables):
        parser.error('--from-authors: the authors released the full '
                     'method\'s models only; Tables 1-2 need pretraining '
                     '(run them in another work dir, without --from-authors)')
    if args.tables is None:
        args.tables = [3, 4, 5] if args.from_authors else list(TABLES)
    return args


def main(argv: Optional[List[str]] = None) -> int:
    """Run the reproduction; the exit status (1 if a job failed)."""
    args = parse_args(argv)
    try:
        plan = Plan(args)
    except FileNotFoundError as error:
        raise SystemExit(f'error: {error}')
    if args.dry_run:
        print_plan(plan)
        return 0
    source = encoder_source(args)
    check_same_source(plan.work_dir, source)
    slots: List[Optional[str]] = ([None] if args.launcher == 'dist' else
                                  visible_devices(args.gpus))
    failures = run_jobs(plan.jobs, slots)
    markdown = write_results(plan.work_dir, source)
    print(markdown.read_text())
    print(f'written: {markdown} and {markdown.with_suffix(".json")}')
    for failure in failures:
        print(f'FAILED: {failure}', file=sys.stderr)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
