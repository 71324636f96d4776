"""Reproduce the paper's Table 3 (PRP, CVPR 2020) with one command.

Given UCF101 and HMDB51 prepared by ``tools/data/prepare_annotations.py``
(videos under ``ROOT/videos``, the lists in ``ROOT``), this runs, for the
chosen encoders (C3D, R3D, R(2+1)D):

1. PRP pretraining on UCF101 split 1 (``configs/prp/prp_<arch>_ucf101.py``),
   keeping the lowest-validation-loss checkpoint; or, with
   ``--from-authors DIR``, the authors' released models converted by
   ``tools/convert_authors_checkpoint.py`` instead (``DIR/<arch>.pth``),
   every later job then resizing frames with PIL's bilinear filter as the
   authors' code does (``OpenCVForwardDecode``'s ``backend='pillow'``);
2. finetuning with the authors' recipe on UCF101 and HMDB51 splits 1-3
   (``configs/finetune/finetune_<arch>_<dataset>_split<N>.py``; both
   datasets start from the UCF101-pretrained encoder, as in the paper), then
   10-clip testing of the lowest-validation-loss checkpoint on the official
   test list (top-1);
3. retrieval on split 1 of each dataset, no finetuning
   (``configs/retrieval/retrieval_<arch>_<dataset>_split1.py``; needs split
   1 among ``--splits``): top-1/5/10/20/50;

and writes ``WORK_DIR/results.json`` and ``WORK_DIR/results.md``: the
README's results table, the paper's numbers beside ours (means over the
splits run), and the top-1 of every split.

Every job is a subprocess of ``tools/train.py`` / ``tools/test.py`` (with
``--launcher dist``: ``tools/dist_train.sh`` / ``dist_test.sh`` on all GPUs),
as a user would run it; its output goes to ``driver.log`` in its folder. A
job that succeeded leaves ``done.json`` there and is skipped afterwards; a
training job that was interrupted resumes from its last checkpoint. Run the
same command again after a failure or a kill: it continues where it stopped.
Examples::

    python tools/reproduce_paper.py work_dirs/reproduce --gpus 4
    python tools/reproduce_paper.py work_dirs/authors --gpus 4 \\
        --from-authors downloads/prp        # c3d.pth, r3d.pth, r21d.pth
    python tools/reproduce_paper.py work_dirs/c3d --archs c3d \\
        --datasets ucf101 --splits 1 --dry-run
"""
import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from mmengine import Config

REPO = Path(__file__).resolve().parents[1]
ARCHS = ('c3d', 'r3d', 'r21d')
DATASETS = ('ucf101', 'hmdb51')
SPLITS = (1, 2, 3)
RETRIEVAL_SPLIT = 1
TOPK = (1, 5, 10, 20, 50)
ARCH_NAMES = dict(c3d='C3D', r3d='R3D', r21d='R(2+1)D')
DATASET_NAMES = dict(ucf101='UCF101', hmdb51='HMDB51')
# The paper's Table 3 (%): action recognition top-1 (mean of the 3 splits)
# and retrieval top-1/5/10/20/50 on split 1, UCF101-pretrained encoders.
PAPER = dict(
    c3d=dict(
        recognition=dict(ucf101=69.1, hmdb51=34.5),
        retrieval=dict(
            ucf101=(23.2, 38.1, 46.0, 55.7, 68.4),
            hmdb51=(10.5, 27.2, 40.4, 56.2, 75.9))),
    r3d=dict(
        recognition=dict(ucf101=66.5, hmdb51=29.7),
        retrieval=dict(
            ucf101=(22.8, 38.5, 46.7, 55.2, 69.1),
            hmdb51=(8.2, 25.8, 38.5, 53.3, 75.9))),
    r21d=dict(
        recognition=dict(ucf101=72.1, hmdb51=35.0),
        retrieval=dict(
            ucf101=(20.3, 34.0, 41.9, 51.7, 64.2),
            hmdb51=(8.2, 25.3, 36.2, 51.0, 73.0))))
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
DONE_FILE = 'done.json'
LOG_FILE = 'driver.log'
PLAN_FILE = 'reproduce.json'
AUTHORS_SUFFIXES = ('.pth', '.pth.tar', '.pt')
# The decode step that resizes, and its backend giving the authors' pixels.
DECODE_STEP = 'OpenCVForwardDecode'
AUTHORS_RESIZE_BACKEND = 'pillow'
POLL_SECONDS = 0.5


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
    """

    name: str
    folder: Path
    command: Callable[[], List[str]]
    collect: Callable[[], dict]
    deps: List['Job'] = field(default_factory=list)
    trains: bool = False

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


class Plan:
    """Every job of a reproduction and how each is run.

    Args:
        args (argparse.Namespace): The parsed command line.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work_dir = args.work_dir.resolve()
        self.roots = dict(
            ucf101=args.ucf101_root.resolve(),
            hmdb51=args.hmdb51_root.resolve())
        self.jobs: List[Job] = []
        for arch in args.archs:
            self._add_arch(arch)

    def _add_arch(self, arch: str) -> None:
        source = self._authors_job(arch) if self.args.from_authors else (
            self._pretrain_job(arch))
        self.jobs.append(source)
        for dataset in self.args.datasets:
            for split in self.args.splits:
                finetune = self._finetune_job(arch, dataset, split, source)
                self.jobs += [
                    finetune,
                    self._test_job(finetune, f'{arch} {dataset} split {split}')
                ]
            if RETRIEVAL_SPLIT in self.args.splits:
                self.jobs.append(self._retrieval_job(arch, dataset, source))

    def _pretrain_job(self, arch: str) -> Job:
        config = config_path('prp', f'prp_{arch}_ucf101')
        folder = self.work_dir / 'pretrain' / config.stem
        options = self.args.pretrain_cfg_options
        return Job(
            name=f'pretrain {arch} ucf101 split 1',
            folder=folder,
            command=lambda: self.train_command(config, folder, options),
            collect=lambda: dict(
                checkpoint=best_checkpoint(folder, 'pretext_loss')),
            trains=True)

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

    def _finetune_job(self, arch: str, dataset: str, split: int,
                      source: Job) -> Job:
        config = config_path('finetune',
                             f'finetune_{arch}_{dataset}_split{split}')
        folder = self.work_dir / 'finetune' / config.stem
        options = self.args.finetune_cfg_options
        return Job(
            name=f'finetune {arch} {dataset} split {split}',
            folder=folder,
            command=lambda: self.train_command(config, folder, [
                f'load_from={self.output(source)}', *options
            ]),
            collect=lambda: dict(
                checkpoint=best_checkpoint(folder, 'cls_loss')),
            deps=[source],
            trains=True)

    def _test_job(self, finetune: Job, what: str) -> Job:
        config = config_path('finetune', finetune.folder.name)
        folder = finetune.folder / 'test'
        options = self.args.finetune_cfg_options
        return Job(
            name=f'test {what}',
            folder=folder,
            command=lambda: self.test_command(config, self.output(finetune),
                                              folder, options),
            collect=lambda: dict(metrics=logged_test_metrics(folder)),
            deps=[finetune])

    def _retrieval_job(self, arch: str, dataset: str, source: Job) -> Job:
        config = config_path(
            'retrieval', f'retrieval_{arch}_{dataset}_split{RETRIEVAL_SPLIT}')
        folder = self.work_dir / 'retrieval' / config.stem
        options = self.args.retrieval_cfg_options
        return Job(
            name=f'retrieval {arch} {dataset} split {RETRIEVAL_SPLIT}',
            folder=folder,
            command=lambda: self.test_command(config, self.output(source),
                                              folder, options),
            collect=lambda: dict(metrics=logged_test_metrics(folder)),
            deps=[source])

    def output(self, job: Job) -> str:
        """The checkpoint of a job (a placeholder in a dry run)."""
        if self.args.dry_run and not job.done:
            return f'<checkpoint of: {job.name}>'
        return job.checkpoint()

    def options(self, config: Path, stage_options: Sequence[str]) -> List[str]:
        """``--cfg-options``: data roots (and, from the authors' models,
        their resampling), then the user's, then the stage's.

        Args:
            config (Path): The job's config.
            stage_options (Sequence[str]): The stage's own options.

        Returns:
            list[str]: ``--cfg-options`` and its ``key=value`` items.
        """
        pixels = authors_pixels_options(config) if (
            self.args.from_authors) else []
        items = [
            *data_options(config, self.roots), *pixels, *self.args.cfg_options,
            *stage_options
        ]
        return ['--cfg-options', *items]

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
    cfg = Config.fromfile(config)
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
    cfg = Config.fromfile(config)
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


def percent(value: Optional[float]) -> Optional[float]:
    """A metric in [0, 1] as a percentage (None stays None)."""
    return None if value is None else 100. * value


def collect_results(work_dir: Path, source: str) -> dict:
    """The results table from every job recorded in a work dir.

    Args:
        work_dir (Path): The reproduction's work dir.
        source (str): Where the encoders came from, for the table.

    Returns:
        dict: ``source`` and, per encoder, ``recognition`` (per dataset:
        ``paper``, ``ours`` = mean top-1 % over ``splits`` run) and
        ``retrieval`` (per dataset: ``paper`` and ``ours`` top-k %).
    """
    encoders = {}
    for arch in ARCHS:
        recognition, retrieval = {}, {}
        for dataset in DATASETS:
            splits = {}
            for split in SPLITS:
                record = read_record(
                    work_dir / 'finetune' /
                    (f'finetune_{arch}_{dataset}_split{split}') / 'test')
                if record:
                    splits[str(split)] = percent(record['metrics']['acc/top1'])
            mean = sum(splits.values()) / len(splits) if splits else None
            recognition[dataset] = dict(
                paper=PAPER[arch]['recognition'][dataset],
                ours=mean,
                splits=splits)
            record = read_record(
                work_dir / 'retrieval' /
                (f'retrieval_{arch}_{dataset}_split{RETRIEVAL_SPLIT}'))
            ours = [
                percent(record['metrics'][f'retrieval/top{k}']) for k in TOPK
            ] if record else None
            retrieval[dataset] = dict(
                paper=list(PAPER[arch]['retrieval'][dataset]), ours=ours)
        encoders[arch] = dict(
            name=ARCH_NAMES[arch],
            recognition=recognition,
            retrieval=retrieval)
    return dict(source=source, topk=list(TOPK), encoders=encoders)


def read_record(folder: Path) -> Optional[dict]:
    """A job folder's ``done.json``, or None."""
    path = folder / DONE_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def recognition_cell(entry: dict) -> str:
    """``paper / ours`` top-1, ours marked with its splits unless all."""
    if entry['ours'] is None:
        return f"{entry['paper']:.1f} / not run"
    cell = f"{entry['paper']:.1f} / {entry['ours']:.1f}"
    splits = list(entry['splits'])
    if len(splits) != len(SPLITS):
        cell += f" (split{'s' * (len(splits) > 1)} {', '.join(splits)})"
    return cell


def retrieval_cell(entry: dict) -> str:
    """``paper / ours`` top-1/5/10/20/50."""
    paper = '/'.join(f'{value:.1f}' for value in entry['paper'])
    ours = 'not run' if entry['ours'] is None else '/'.join(
        f'{value:.1f}' for value in entry['ours'])
    return f'{paper} / {ours}'


def results_markdown(results: dict) -> str:
    """The results as the README's table, then the top-1 of every split."""
    lines = [
        '# PRP reproduction: the paper\'s Table 3 next to this run', '',
        f"Encoders: {results['source']}. Action recognition: top-1 (%) on "
        'the official test lists, 10 clips per video, the mean over the '
        'splits run (the paper: over splits 1-3), HMDB51 finetuned from the '
        'UCF101-pretrained encoder. Retrieval: top-1/5/10/20/50 (%) on '
        'split 1, no finetuning.', '',
        '| encoder | UCF101 top-1 (paper / ours) | HMDB51 top-1 '
        '(paper / ours) | UCF101 retrieval top-1/5/10/20/50 (paper / ours) '
        '| HMDB51 retrieval (paper / ours) |', '|---|---|---|---|---|'
    ]
    for entry in results['encoders'].values():
        cells = [entry['name']]
        cells += [
            recognition_cell(entry['recognition'][dataset])
            for dataset in DATASETS
        ]
        cells += [
            retrieval_cell(entry['retrieval'][dataset]) for dataset in DATASETS
        ]
        lines.append(f"| {' | '.join(cells)} |")
    lines += [
        '', 'Top-1 (%) per split:', '',
        '| encoder | dataset | split 1 | split 2 | split 3 |',
        '|---|---|---|---|---|'
    ]
    for entry in results['encoders'].values():
        for dataset in DATASETS:
            splits = entry['recognition'][dataset]['splits']
            values = [
                f'{splits[str(split)]:.1f}'
                if str(split) in splits else 'not run' for split in SPLITS
            ]
            lines.append(f"| {entry['name']} | {DATASET_NAMES[dataset]} | "
                         f"{' | '.join(values)} |")
    return '\n'.join(lines) + '\n'


def write_results(work_dir: Path, source: str) -> Path:
    """Write ``results.json`` and ``results.md``; return the latter."""
    results = collect_results(work_dir, source)
    (work_dir / 'results.json').write_text(json.dumps(results, indent=2))
    markdown = work_dir / 'results.md'
    markdown.write_text(results_markdown(results))
    return markdown


def encoder_source(args: argparse.Namespace) -> str:
    """Where the encoders come from, as the results table says it."""
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


def print_plan(plan: Plan) -> None:
    """Print every job, whether it is done or resumes, and its command."""
    for job in plan.jobs:
        if job.done:
            print(f'[done]   {job.name}')
        elif job.trains and (job.folder / 'last_checkpoint').is_file():
            print(f'[resume] {job.name}\n  '
                  f'{subprocess.list2cmdline(job.command())}')
        else:
            print(f'[run]    {job.name}\n  '
                  f'{subprocess.list2cmdline(job.command())}')


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
        '--archs', nargs='+', choices=ARCHS, default=list(ARCHS))
    parser.add_argument(
        '--datasets', nargs='+', choices=DATASETS, default=list(DATASETS))
    parser.add_argument(
        '--splits', nargs='+', type=int, choices=SPLITS, default=list(SPLITS))
    parser.add_argument(
        '--from-authors',
        type=Path,
        metavar='DIR',
        help="start from the authors' released models DIR/<arch>.pth "
        '(or .pth.tar) instead of pretraining; frames are then resized with '
        "PIL's bilinear filter, as the authors'")
    for stage, what in (('', 'every job'), ('pretrain-', 'pretraining'),
                        ('finetune-', 'finetuning and its test'),
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
        help='print the jobs and their commands, run nothing')
    args = parser.parse_args(argv)
    if args.gpus < 1:
        parser.error('--gpus must be at least 1')
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
