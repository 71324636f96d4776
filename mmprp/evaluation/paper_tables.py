"""The paper's Tables 1-5 (PRP, CVPR 2020): their numbers and layout.

``tools/reproduce_paper.py`` fills them with its results: every cell holds
the paper's number, ours (the mean of the runs behind it) and those runs.
This module knows the tables, not where a run keeps its results: it reads
them through a ``read`` function, ``read(key) -> metrics or None``, with
the keys

* ``('test', init, arch, dataset, split)``: the finetuned model's test,
  ``acc/top1``;
* ``('retrieval', init, arch, dataset)``: retrieval on split 1,
  ``retrieval/top{k}``;
* ``('rate_accuracy', init)``: the pretext model's playback-rate accuracy,
  ``pretext/rate_acc``;

where ``init`` is the encoder's initialisation: ``'prp'`` (PRP, the full
method), ``'random'`` (never trained) or an ablation of :data:`ABLATIONS`.
"""
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

ARCHS = ('c3d', 'r3d', 'r21d')
DATASETS = ('ucf101', 'hmdb51')
SPLITS = (1, 2, 3)
INITS = ('random', 'prp')
TABLES = (1, 2, 3, 4, 5)
RETRIEVAL_SPLIT = 1
TOPK = (1, 5, 10, 20, 50)
ARCH_NAMES = dict(c3d='C3D', r3d='R3D', r21d='R(2+1)D')
INIT_NAMES = dict(random='random', prp='PRP')
DATASET_NAMES = dict(ucf101='UCF101', hmdb51='HMDB51')
TOP1_KEY = 'acc/top1'
RATE_ACC_KEY = 'pretext/rate_acc'
# Table 3 (%): action recognition top-1, the mean of the 3 splits, UCF101
# then HMDB51, both finetuned from the UCF101 split-1 encoder.
PAPER_RECOGNITION = {
    ('c3d', 'random'): (61.8, 24.7),
    ('c3d', 'prp'): (69.1, 34.5),
    ('r3d', 'random'): (54.5, 23.4),
    ('r3d', 'prp'): (66.5, 29.7),
    ('r21d', 'random'): (55.8, 22.0),
    ('r21d', 'prp'): (72.1, 35.0),
}
# Tables 4 (UCF101) and 5 (HMDB51) (%): retrieval top-1/5/10/20/50, split 1.
PAPER_RETRIEVAL = {
    'ucf101': {
        ('c3d', 'random'): (16.7, 27.5, 33.7, 41.4, 53.0),
        ('c3d', 'prp'): (23.2, 38.1, 46.0, 55.7, 68.4),
        ('r3d', 'random'): (9.9, 18.9, 26.0, 35.5, 51.9),
        ('r3d', 'prp'): (22.8, 38.5, 46.7, 55.2, 69.1),
        ('r21d', 'random'): (10.6, 20.7, 27.4, 37.4, 53.1),
        ('r21d', 'prp'): (20.3, 34.0, 41.9, 51.7, 64.2),
    },
    'hmdb51': {
        ('c3d', 'random'): (7.4, 20.5, 31.9, 44.5, 66.3),
        ('c3d', 'prp'): (10.5, 27.2, 40.4, 56.2, 75.9),
        ('r3d', 'random'): (6.7, 18.3, 28.3, 43.1, 67.9),
        ('r3d', 'prp'): (8.2, 25.8, 38.5, 53.3, 75.9),
        ('r21d', 'random'): (4.5, 14.8, 23.4, 38.9, 63.0),
        ('r21d', 'prp'): (8.2, 25.3, 36.2, 51.0, 73.0),
    },
}
RETRIEVAL_TABLES = {4: 'ucf101', 5: 'hmdb51'}


@dataclass(frozen=True)
class Ablation:
    """One row of Table 2 (and, for DP, of Table 1): C3D, UCF101 split 1.

    Attributes:
        name (str): Its name; an ablation's config is
            ``configs/prp/ablation/prp_c3d_ucf101_<name>.py``.
        method (str): ``'Random'``, ``'DP'``, ``'GP'`` or ``'DG-P'``.
        rates (str): The sampling intervals S, as the paper prints them.
        recon (str): The reconstruction rate r, as the paper prints it.
        ucf101 (float): The paper's UCF101 split-1 top-1 (%).
        init (str): The encoder it finetunes: ``'random'``, ``'prp'`` (the
            same runs as Tables 3-4) or its own pretraining (``name``).
        recon_rate (int, optional): r, where it reconstructs.
        chance (str, optional): Table 1's random accuracy (%).
        rate_acc (float, optional): Table 1's DP accuracy (%).
    """

    name: str
    method: str
    rates: str
    recon: str
    ucf101: float
    init: str
    recon_rate: Optional[int] = None
    chance: Optional[str] = None
    rate_acc: Optional[float] = None

    @property
    def rate_head(self) -> bool:
        """bool: Whether its pretext model classifies the rate."""
        return self.method in ('DP', 'DG-P')


S1248 = '{1,2,4,8}'
ABLATIONS = (
    Ablation('random', 'Random', '-', '-', 62.0, init='random'),
    Ablation('dp_s12', 'DP', '{1,2}', '-', 68.3, 'dp_s12', None, '50', 88.3),
    Ablation('dp_s124', 'DP', '{1,2,4}', '-', 68.7, 'dp_s124', None, '33',
             80.1),
    Ablation('dp_s1248', 'DP', S1248, '-', 69.9, 'dp_s1248', None, '25', 69.7),
    Ablation('dp_s124816', 'DP', '{1,2,4,8,16}', '-', 67.9, 'dp_s124816', None,
             '20', 60.1),
    Ablation('gp_r1_plain_mse', 'GP', S1248, '1 (w/o MA)', 67.1,
             'gp_r1_plain_mse', 1),
    Ablation('gp_r1', 'GP', S1248, '1 (w/ MA)', 68.1, 'gp_r1', 1),
    Ablation('gp_r2', 'GP', S1248, '2 (w/ MA)', 68.2, 'gp_r2', 2),
    Ablation('gp_r4', 'GP', S1248, '4 (w/ MA)', 68.4, 'gp_r4', 4),
    # The full method: configs/prp/ablation/prp_c3d_ucf101_dgp_s1248_r2.py
    # is configs/prp/prp_c3d_ucf101.py, so Tables 3-4's C3D runs serve.
    Ablation('dgp_s1248_r2', 'DG-P', S1248, '2 (w/ MA)', 70.9, 'prp', 2),
)
ABLATION_NAMES = tuple(row.name for row in ABLATIONS)
Read = Callable[[tuple], Optional[Dict[str, float]]]


def ablation(name: str) -> Ablation:
    """The row of Table 2 called ``name``."""
    return ABLATIONS[ABLATION_NAMES.index(name)]


def percent(value: float) -> float:
    """A metric in [0, 1] as a percentage."""
    return 100. * value


def cell(paper: Optional[float], runs: Dict[str, float]) -> dict:
    """One cell: the paper's number and ours, the mean of ``runs``.

    Args:
        paper (float, optional): The paper's number (%), None where the
            paper reports none.
        runs (dict[str, float]): Each run behind the cell (e.g.
            ``'split 1'``) -> its value (%).

    Returns:
        dict: ``paper``, ``ours`` (None when nothing ran), ``runs``.
    """
    ours = sum(runs.values()) / len(runs) if runs else None
    return dict(paper=paper, ours=ours, runs=runs)


def metric(read: Read, key: tuple, name: str) -> Optional[float]:
    """A finished job's metric (%), or None if the job has not finished."""
    metrics = read(key)
    return None if metrics is None else percent(metrics[name])


def recognition_cell(read: Read, init: str, arch: str, dataset: str,
                     splits: Sequence[int], paper: float) -> dict:
    """Finetuned top-1 over the given splits."""
    runs = {}
    for split in splits:
        value = metric(read, ('test', init, arch, dataset, split), TOP1_KEY)
        if value is not None:
            runs[f'split {split}'] = value
    return cell(paper, runs)


def retrieval_cells(read: Read, init: str, arch: str, dataset: str,
                    paper: Sequence[Optional[float]]) -> List[dict]:
    """Retrieval top-k cells, one per k of :data:`TOPK`."""
    metrics = read(('retrieval', init, arch, dataset))
    return [
        cell(value, {} if metrics is None else {
            f'split {RETRIEVAL_SPLIT}': percent(metrics[f'retrieval/top{k}'])
        }) for k, value in zip(TOPK, paper)
    ]


def table_1(read: Read) -> dict:
    """Table 1: the DP model's rate accuracy per set of rates S."""
    rows = []
    for row in ABLATIONS:
        if row.method != 'DP':
            continue
        value = metric(read, ('rate_accuracy', row.init), RATE_ACC_KEY)
        runs = {} if value is None else {f'split {RETRIEVAL_SPLIT}': value}
        rows.append(
            dict(
                name=row.name,
                labels=[row.rates, row.chance],
                cells=[cell(row.rate_acc, runs)]))
    return dict(
        title='Table 1. Classification accuracy of the discriminative '
        'perception (DP) model under different sampling intervals',
        note='C3D pretrained on UCF101 split 1 with the rate loss only '
        '(configs/prp/ablation/prp_c3d_ucf101_dp_*.py), lowest validation '
        'loss; accuracy of its rate classifier on the UCF101 split-1 test '
        'videos, one clip each.',
        label_columns=['Samp. interval', 'Random acc. (%)'],
        columns=['DP acc. (%)'],
        rows=rows)


def table_2(read: Read) -> dict:
    """Table 2: UCF101 split-1 top-1 of every ablation (and retrieval)."""
    rows = []
    for row in ABLATIONS:
        recognition = recognition_cell(read, row.init, 'c3d', 'ucf101',
                                       (RETRIEVAL_SPLIT, ), row.ucf101)
        retrieval = retrieval_cells(read, row.init, 'c3d', 'ucf101', (None, ))
        rows.append(
            dict(
                name=row.name,
                labels=[row.method, row.rates, row.recon],
                cells=[recognition, *retrieval]))
    return dict(
        title='Table 2. Ablation study: action recognition accuracy on '
        'UCF101',
        note='C3D pretrained on UCF101 split 1 with one part of PRP '
        '(configs/prp/ablation/), finetuned and tested on UCF101 split 1 as '
        'in Table 3. Random: the Table 3 run from random initialisation; '
        'DG-P: the Table 3 PRP run (the same config). Retrieval top-1 on '
        'UCF101 split 1 (as in Table 4) is ours only: the paper reports '
        'none for the ablations.',
        label_columns=['Method', 'Samp. interval', 'Rec. rate'],
        columns=['UCF101 (%)', 'UCF101 retrieval top-1 (%)'],
        rows=rows)


def model_rows() -> List[Tuple[str, str, str]]:
    """``(arch, init, row name)`` of Tables 3-5, in the paper's order."""
    return [(arch, init, f'{ARCH_NAMES[arch]} ({INIT_NAMES[init]})')
            for arch in ARCHS for init in INITS]


def table_3(read: Read) -> dict:
    """Table 3: finetuned top-1 on UCF101 and HMDB51, splits 1-3."""
    rows = []
    for arch, init, name in model_rows():
        paper = PAPER_RECOGNITION[arch, init]
        cells = [
            recognition_cell(read, init, arch, dataset, SPLITS, value)
            for dataset, value in zip(DATASETS, paper)
        ]
        rows.append(dict(name=f'{arch} {init}', labels=[name], cells=cells))
    return dict(
        title='Table 3. Action recognition: top-1 (%) on UCF101 and HMDB51',
        note='Encoders pretrained on UCF101 split 1 (or never trained: '
        'random), finetuned with the authors\' recipe on each split, 10 '
        'clips per test video; ours: the mean over the splits run (the '
        'paper: over splits 1-3). HMDB51 is finetuned from the UCF101 '
        'encoder. The paper\'s rows of other methods (VCOP, OPN, ...) are '
        'not reproduced.',
        label_columns=['Method'],
        columns=[DATASET_NAMES[dataset] + ' (%)' for dataset in DATASETS],
        rows=rows)


def retrieval_table(number: int, read: Read) -> dict:
    """Table 4 (UCF101) or 5 (HMDB51): retrieval top-k on split 1."""
    dataset = RETRIEVAL_TABLES[number]
    rows = []
    for arch, init, name in model_rows():
        paper = PAPER_RETRIEVAL[dataset][arch, init]
        rows.append(
            dict(
                name=f'{arch} {init}',
                labels=[name],
                cells=retrieval_cells(read, init, arch, dataset, paper)))
    return dict(
        title=f'Table {number}. Video retrieval performance on '
        f'{DATASET_NAMES[dataset]}',
        note='The encoders of Table 3, not finetuned: every test video of '
        'split 1 queries the training videos (10 clips each, cosine '
        'similarity); a hit when a top-k neighbour has its class. The '
        'paper\'s rows of other methods are not reproduced.',
        label_columns=['Method'],
        columns=[f'top{k}' for k in TOPK],
        rows=rows)


def build_tables(read: Read) -> Dict[str, dict]:
    """Tables 1-5 filled with the results ``read`` finds.

    Args:
        read (Callable): ``read(key)``: a finished job's metrics or None
            (the keys: this module's docstring).

    Returns:
        dict[str, dict]: ``'1'``..``'5'`` -> ``title``, ``note``,
        ``label_columns``, ``columns`` and ``rows`` (``name``, ``labels``,
        ``cells``: see :func:`cell`).
    """
    tables = dict([('1', table_1(read)), ('2', table_2(read)),
                   ('3', table_3(read))])
    for number in RETRIEVAL_TABLES:
        tables[str(number)] = retrieval_table(number, read)
    return tables


def number(value: Optional[float]) -> str:
    """A percentage with one decimal; ``-`` for none."""
    return '-' if value is None else f'{value:.1f}'


def cell_text(entry: dict) -> str:
    """``paper / ours (n=runs)``; ``not run`` where nothing ran."""
    if entry['ours'] is None:
        return f"{number(entry['paper'])} / not run"
    return (f"{number(entry['paper'])} / {number(entry['ours'])} "
            f"(n={len(entry['runs'])})")


def table_markdown(table: dict) -> List[str]:
    """A table as markdown lines: title, note, header and rows."""
    header = [
        *table['label_columns'],
        *(f'{name} paper / ours' for name in table['columns'])
    ]
    lines = [
        f"## {table['title']}", '', table['note'], '',
        f"| {' | '.join(header)} |", f"|{'---|' * len(header)}"
    ]
    for row in table['rows']:
        cells = [*row['labels'], *map(cell_text, row['cells'])]
        lines.append(f"| {' | '.join(cells)} |")
    return lines


def splits_markdown(table: dict) -> List[str]:
    """Table 3's top-1 of every split run."""
    lines = [
        '### Table 3, top-1 (%) per split', '',
        '| method | dataset | split 1 | split 2 | split 3 |',
        '|---|---|---|---|---|'
    ]
    for row in table['rows']:
        for dataset, entry in zip(DATASETS, row['cells']):
            values = [
                number(entry['runs'][f'split {split}'])
                if f'split {split}' in entry['runs'] else 'not run'
                for split in SPLITS
            ]
            lines.append(f"| {row['labels'][0]} | {DATASET_NAMES[dataset]} "
                         f"| {' | '.join(values)} |")
    return lines


def results_markdown(results: dict) -> str:
    """``results.md``: every table, the paper's numbers beside ours.

    Args:
        results (dict): ``source`` (where the PRP encoders come from) and
            ``tables`` (:func:`build_tables`).

    Returns:
        str: The markdown text.
    """
    lines = [
        '# PRP reproduction: the paper\'s Tables 1-5 next to this run', '',
        f"PRP encoders: {results['source']}. Each cell: the paper's number "
        '/ ours (%), ours the mean of the n runs behind it (one seed each; '
        'in Table 3 the runs are the splits); "not run" where no run has '
        'finished, "-" where the paper reports none.', ''
    ]
    tables = results['tables']
    for key in sorted(tables, key=int):
        lines += [*table_markdown(tables[key]), '']
        if key == '3':
            lines += [*splits_markdown(tables[key]), '']
    return '\n'.join(lines)
