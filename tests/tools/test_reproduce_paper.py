"""tools/reproduce_paper.py: the plan of every table, its dry run, the
results' layout, resuming; and one end-to-end run of all five tables on
synthetic videos, on the CPU.

The end-to-end run is as small as the driver's overrides make it: C3D of
base width 4, 32x32 frames, one epoch on 2 videos, one clip per test video,
UCF101 split 1, two ablations (DP S={1,2} and GP r=1) besides the rows
Tables 2-5 share, two jobs at once.
"""
import json
import math
import os
import subprocess
from pathlib import Path
from typing import List

import pytest

from mmprp.evaluation import paper_tables
from helpers import REPO, load_tool, run_command, shipped_config

TOOL = REPO / 'tools' / 'reproduce_paper.py'
reproduce_paper = load_tool('reproduce_paper')
C3D_UCF101_SPLIT1 = ['--archs', 'c3d', '--datasets', 'ucf101', '--splits', '1']


def plan_of(tmp_path: Path, *argv: str) -> reproduce_paper.Plan:
    return reproduce_paper.Plan(
        reproduce_paper.parse_args([str(tmp_path / 'work'), *argv]))


def names(plan: reproduce_paper.Plan) -> List[str]:
    return [job.name for job in plan.jobs]


def finish_job(folder: Path, **record) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / 'done.json').write_text(json.dumps(record))


def test_table_1_runs_each_dp_pretraining_and_its_rate_accuracy(
        tmp_path: Path) -> None:
    plan = plan_of(tmp_path, '--tables', '1')
    assert names(plan) == [
        job for row in ('dp_s12', 'dp_s124', 'dp_s1248', 'dp_s124816')
        for job in (f'pretrain ablation {row} (c3d ucf101 split 1)',
                    f'rate accuracy of ablation {row} (ucf101 split 1 test '
                    'videos)')
    ]
    assert all(job.tables == {1} for job in plan.jobs)


def test_table_2_shares_the_random_and_prp_runs_of_tables_3_and_4(
        tmp_path: Path) -> None:
    plan = plan_of(tmp_path, '--tables', '2', '3', '4', *C3D_UCF101_SPLIT1,
                   '--ablations', 'random', 'gp_r2', 'dgp_s1248_r2')
    tables = {job.name: job.tables for job in plan.jobs}
    assert tables == {
        'pretrain c3d ucf101 split 1': {2, 3, 4},
        'finetune c3d ucf101 split 1': {2, 3},
        'test c3d ucf101 split 1': {2, 3},
        'retrieval c3d ucf101 split 1': {2, 4},
        'random init c3d': {2, 3, 4},
        'finetune c3d ucf101 split 1 from random init': {2, 3},
        'test c3d ucf101 split 1 from random init': {2, 3},
        'retrieval c3d ucf101 split 1 from random init': {2, 4},
        'pretrain ablation gp_r2 (c3d ucf101 split 1)': {2},
        'finetune c3d ucf101 split 1 from ablation gp_r2': {2},
        'test c3d ucf101 split 1 from ablation gp_r2': {2},
        'retrieval c3d ucf101 split 1 from ablation gp_r2': {2},
    }
    folders = [job.folder for job in plan.jobs]
    assert len(set(folders)) == len(folders)
    for job in plan.jobs:
        assert all(
            plan.jobs.index(dep) < plan.jobs.index(job)
            for dep in job.deps), job.name


def test_the_dgp_ablation_is_the_prp_config() -> None:
    """So Table 2's DG-P row may be Table 3's C3D runs."""
    ablation = shipped_config(REPO / 'configs' / 'prp' / 'ablation'
                              / 'prp_c3d_ucf101_dgp_s1248_r2.py')
    prp = shipped_config(REPO / 'configs' / 'prp' / 'prp_c3d_ucf101.py')
    assert ablation == prp
    assert paper_tables.ablation('dgp_s1248_r2').init == 'prp'


def test_every_table_with_every_row(tmp_path: Path) -> None:
    plan = plan_of(tmp_path)
    assert plan.args.tables == [1, 2, 3, 4, 5]
    counts = {
        table: sum(table in job.tables for job in plan.jobs)
        for table in range(1, 6)
    }
    # Table 3: 3 encoders x (PRP, random) x (source + 6 x (finetune, test))
    # Tables 4-5: 6 sources + 6 retrievals; Table 2: 10 rows x (finetune,
    # test, retrieval) + 8 ablation and 2 Table 3 sources; Table 1: 4 x 2
    assert counts == {1: 8, 2: 40, 3: 78, 4: 12, 5: 12}
    assert len(plan.jobs) == 45 + 45 + 8 * 4 + 4


def test_random_init_rows_start_from_a_seeded_random_checkpoint(
        tmp_path: Path) -> None:
    plan = plan_of(tmp_path, '--tables', '3', *C3D_UCF101_SPLIT1, '--dry-run',
                   '--pretrain-cfg-options', 'model.backbone.base_channels=4')
    jobs = {job.name: job for job in plan.jobs}
    init = jobs['random init c3d']
    out = tmp_path / 'work' / 'random_init' / 'init' / 'c3d' / (
        'random_init.pth')
    assert init.command()[1:] == [
        str(REPO / 'tools' / 'random_init_checkpoint.py'),
        str(REPO / 'configs' / 'prp' / 'prp_c3d_ucf101.py'),
        str(out), '--seed', '0', '--cfg-options',
        'model.backbone.base_channels=4'
    ]
    finetune = jobs['finetune c3d ucf101 split 1 from random init']
    assert finetune.deps == [init]
    assert finetune.folder == (
        tmp_path / 'work' / 'random_init' / 'finetune'
        / 'finetune_c3d_ucf101_split1')
    assert 'load_from=<checkpoint of: random init c3d>' in finetune.command()


def test_options_for_a_part_a_config_leaves_out_are_not_given_to_it() -> None:
    items = [
        'model.rate_head.in_channels=32', 'model.decoder.channels=[8,8,8,8]',
        'model.backbone.base_channels=4'
    ]
    ablation = REPO / 'configs' / 'prp' / 'ablation'
    assert reproduce_paper.applicable(ablation / 'prp_c3d_ucf101_dp_s12.py',
                                      items) == [items[0], items[2]]
    assert reproduce_paper.applicable(ablation / 'prp_c3d_ucf101_gp_r1.py',
                                      items) == items[1:]


def test_dry_run_prints_every_job_and_gpu_hours(tmp_path: Path,
                                                capsys) -> None:
    work_dir = tmp_path / 'work'
    finish_job(
        work_dir / 'ablation' / 'dp_s12' / 'pretrain'
        / 'prp_c3d_ucf101_dp_s12',
        checkpoint='/ckpt/best_pretext_loss_epoch_7.pth')
    assert reproduce_paper.main(
        [str(work_dir), '--tables', '1', '--ablations', 'dp_s12',
         '--dry-run']) == 0
    lines = capsys.readouterr().out.splitlines()
    # 300 epochs of 8737 videos (x3: backward) and 800 validation videos
    # through 39.2 GMAC (encoder 38.5 + rate head 0.7) at 15 TFLOP/s
    pretrain = 2 * 39.2 * (300 * 8737 * 3 + 300 * 800) / 15e3 / 3600
    assert lines[0] == ('[done]   pretrain ablation dp_s12 (c3d ucf101 split '
                        f'1) (table 1; {pretrain:.1f} GPU-h)')
    assert lines[1] == ('[run]    rate accuracy of ablation dp_s12 (ucf101 '
                        'split 1 test videos) (table 1; 0.0 GPU-h)')
    command = lines[2]
    assert 'prp_c3d_ucf101_dp_s12.py /ckpt/best_pretext_loss_epoch_7.pth' in (
        command)
    assert command.split()[-1] == (
        'test_dataloader.dataset.ann_file='
        + str(Path('data/ucf101').resolve() / 'ucf101_val_split_1_videos.txt'))
    rate = 2 * 39.2 * 3783 / 15e3 / 3600
    assert lines[-3:] == [
        '|---|---|---|---|',
        f'| Table 1 | 2 | {pretrain + rate:.1f} | {rate:.1f} |',
        f'| all (shared jobs once) | 2 | {pretrain + rate:.1f} | '
        f'{rate:.1f} |',
    ]
    assert 'assumed 15 TFLOP/s' in '\n'.join(lines)


def test_estimates_follow_the_shipped_schedule() -> None:
    prp = shipped_config(REPO / 'configs' / 'prp' / 'prp_r3d_ucf101.py')
    finetune = shipped_config(REPO / 'configs' / 'finetune'
                              / 'finetune_r3d_hmdb51_split2.py')
    assert prp['train_cfg']['max_epochs'] == reproduce_paper.PRETRAIN_EPOCHS
    assert (
        finetune['train_cfg']['max_epochs'] == reproduce_paper.FINETUNE_EPOCHS)
    assert [
        step['num_clips']
        for step in finetune['test_dataloader']['dataset']['pipeline']
        if step['type'] == 'SampleFrames'
    ] == [reproduce_paper.TEST_CLIPS]
    assert prp['train_dataloader']['batch_size'] == 8


def test_resume_skips_finished_jobs_and_resumes_interrupted_ones(
        tmp_path: Path, capsys) -> None:
    work_dir = tmp_path / 'work'
    checkpoint = work_dir / 'pretrain' / 'prp_c3d_ucf101' / 'best.pth'
    finish_job(checkpoint.parent, checkpoint=str(checkpoint))
    finetune = work_dir / 'finetune' / 'finetune_c3d_ucf101_split1'
    finetune.mkdir(parents=True)
    (finetune / 'last_checkpoint').write_text('epoch_3.pth')
    argv = [str(work_dir), '--tables', '3', *C3D_UCF101_SPLIT1, '--dry-run']
    reproduce_paper.main(argv)
    lines = capsys.readouterr().out.splitlines()
    jobs = [line.split(' (table')[0] for line in lines if line[:1] == '[']
    assert jobs == [
        '[done]   pretrain c3d ucf101 split 1',
        '[resume] finetune c3d ucf101 split 1',
        '[run]    test c3d ucf101 split 1', '[run]    random init c3d',
        '[run]    finetune c3d ucf101 split 1 from random init',
        '[run]    test c3d ucf101 split 1 from random init'
    ]
    resumed = lines[lines.index(
        next(line for line in lines if line.startswith('[resume]'))) + 1]
    assert ' --resume ' in resumed and f'load_from={checkpoint}' in resumed

    plan = reproduce_paper.Plan(reproduce_paper.parse_args(argv))
    done = [job for job in plan.jobs if job.done]
    assert reproduce_paper.run_jobs(done, [None]) == []
    assert not (checkpoint.parent / 'driver.log').exists()


def test_results_read_each_jobs_folder(tmp_path: Path) -> None:
    for split, top1 in zip((1, 2, 3), (0.5, 0.6, 0.7)):
        finish_job(
            tmp_path / 'random_init' / 'finetune'
            / f'finetune_c3d_ucf101_split{split}' / 'test',
            metrics={'acc/top1': top1})
    finish_job(
        tmp_path / 'retrieval' / 'retrieval_r3d_hmdb51_split1',
        metrics={f'retrieval/top{k}': k / 100
                 for k in (1, 5, 10, 20, 50)})
    finish_job(
        tmp_path / 'ablation' / 'dp_s124' / 'rate_accuracy',
        metrics={'pretext/rate_acc': 0.75})
    reproduce_paper.write_results(tmp_path, 'a test')
    results = json.loads((tmp_path / 'results.json').read_text())
    assert results['source'] == 'a test'
    tables = results['tables']
    assert tables['3']['rows'][0]['name'] == 'c3d random'
    assert tables['3']['rows'][0]['cells'][0] == dict(
        paper=61.8,
        ours=pytest.approx(60.),
        runs={
            'split 1': 50.,
            'split 2': 60.,
            'split 3': 70.
        })
    assert tables['5']['rows'][3]['name'] == 'r3d prp'
    assert [cell['ours'] for cell in tables['5']['rows'][3]['cells']
            ] == [1., 5., 10., 20., 50.]
    assert tables['1']['rows'][1]['cells'][0]['ours'] == 75.
    markdown = (tmp_path / 'results.md').read_text()
    assert '| C3D (random) | 61.8 / 60.0 (n=3) | 24.7 / not run |' in markdown


def test_from_authors_dry_run_converts_instead_of_pretraining(
        tmp_path: Path, capsys) -> None:
    authors = tmp_path / 'authors'
    authors.mkdir()
    (authors / 'c3d.pth.tar').write_bytes(b'')
    work_dir = tmp_path / 'work'
    interrupted = work_dir / 'finetune' / 'finetune_c3d_hmdb51_split2'
    interrupted.mkdir(parents=True)
    (interrupted / 'last_checkpoint').write_text('epoch_10.pth')
    reproduce_paper.main([
        str(work_dir), '--from-authors',
        str(authors), '--archs', 'c3d', '--datasets', 'hmdb51', '--splits',
        '2', '--hmdb51-root',
        str(tmp_path), '--dry-run'
    ])
    lines = capsys.readouterr().out.splitlines()
    jobs = [line.split(' (table')[0] for line in lines if line[:1] == '[']
    assert jobs == [
        "[run]    convert the authors' c3d",
        '[resume] finetune c3d hmdb51 split 2',
        '[run]    test c3d hmdb51 split 2', '[run]    random init c3d',
        '[run]    finetune c3d hmdb51 split 2 from random init',
        '[run]    test c3d hmdb51 split 2 from random init'
    ]
    convert = lines[1]
    assert 'convert_authors_checkpoint.py' in convert
    assert f"{authors / 'c3d.pth.tar'}" in convert and '--arch c3d' in convert
    finetune = lines[3]
    assert 'finetune_c3d_hmdb51_split2.py' in finetune
    assert ' --resume ' in finetune
    assert "load_from=<checkpoint of: convert the authors' c3d>" in finetune
    assert (f'test_dataloader.dataset.ann_file='
            f'{tmp_path}/hmdb51_val_split_2_videos.txt') in finetune
    assert 'prp_c3d_ucf101.py ' not in convert + finetune
    assert sorted(path.name for path in work_dir.rglob('*')) == [
        'finetune', 'finetune_c3d_hmdb51_split2', 'last_checkpoint'
    ]


@pytest.mark.parametrize('argv, message', [
    (['--from-authors', '.', '--tables', '2'], 'Tables 1-2 need pretraining'),
    (['--from-authors', 'nowhere', '--archs', 'r21d', '--dry-run'
      ], 'none of r21d.pth, r21d.pth.tar, r21d.pt'),
])
def test_refusals_are_named(tmp_path: Path, capsys, argv: List[str],
                            message: str) -> None:
    with pytest.raises(SystemExit) as error:
        reproduce_paper.main([str(tmp_path / 'work'), *argv])
    assert message in f'{error.value}{capsys.readouterr().err}'


SMALL_LOADER = ('num_workers=0', 'persistent_workers=False', 'batch_size=2')


def loader_options(*loaders: str,
                   videos: int = 0,
                   train_crop: str = 'crop_size') -> List[str]:
    """Small loaders of 32x32 frames (``videos``: only that many)."""
    options = []
    for loader in loaders:
        crop = train_crop if loader == 'train' else 'crop_size'
        prefix = f'{loader}_dataloader'
        options += [f'{prefix}.{option}' for option in SMALL_LOADER]
        options += [
            f'{prefix}.dataset.pipeline.2.scale=(43,32)',
            f'{prefix}.dataset.pipeline.3.{crop}=32'
        ]
        if videos and loader != 'test':
            options.append(f'{prefix}.dataset.indices={videos}')
    return options


def tiny_options(ucf101_root: Path) -> List[str]:
    """C3D of base width 4, 32x32 frames, UCF101 split 1, one epoch on 2
    videos, one test clip, two ablations, two jobs at once."""
    return [
        *C3D_UCF101_SPLIT1, '--ablations', 'random', 'dp_s12', 'gp_r1',
        'dgp_s1248_r2', '--gpus', '2', '--ucf101-root',
        str(ucf101_root), '--cfg-options', 'model.backbone.base_channels=4',
        '--pretrain-cfg-options', 'model.rate_head.in_channels=32',
        'model.decoder.in_channels=32', 'model.decoder.channels=[8,8,8,8]',
        'train_cfg.max_epochs=1',
        *loader_options('train', 'val', 'test', videos=2),
        '--finetune-cfg-options', 'model.cls_head.in_channels=32',
        'train_cfg.max_epochs=1',
        'test_dataloader.dataset.pipeline.1.num_clips=1',
        *loader_options('train', 'val', 'test', videos=2, train_crop='size'),
        '--retrieval-cfg-options',
        'test_dataloader.dataset.pipeline.1.num_clips=1',
        *loader_options('test')
    ]


@pytest.fixture(scope='module')
def ucf101_root(tmp_path_factory, synthetic_ucf101, python) -> Path:
    """A prepared UCF101 folder: videos/ and the lists of splits 1-3."""
    root = tmp_path_factory.mktemp('reproduce_data') / 'ucf101'
    root.mkdir()
    (root / 'videos').symlink_to(synthetic_ucf101.video_dir)
    run_command([
        python, REPO / 'tools' / 'data' / 'prepare_annotations.py', 'ucf101',
        '--split-dir', synthetic_ucf101.split_dir, '--video-dir',
        root / 'videos', '--out-dir', root, '--num-val', '2'
    ],
                cwd=root)
    return root


@pytest.mark.slow
def test_reproduces_all_tables_then_skips_everything(ucf101_root, tmp_path,
                                                     python) -> None:
    work_dir = tmp_path / 'work'
    command = [python, TOOL, work_dir, *tiny_options(ucf101_root)]
    first = run_command(command, cwd=tmp_path).stdout
    started = [line for line in first.splitlines() if line[:7] == '[start]']
    assert len(started) == 17
    assert first.count('[done]  ') == 17

    pretrain = work_dir / 'pretrain' / 'prp_c3d_ucf101'
    finetune = work_dir / 'finetune' / 'finetune_c3d_ucf101_split1'
    random_finetune = (
        work_dir / 'random_init' / 'finetune' / 'finetune_c3d_ucf101_split1')
    records = {
        folder: json.loads((folder / 'done.json').read_text())
        for folder in (pretrain, finetune, finetune / 'test', random_finetune,
                       work_dir / 'random_init' / 'init' / 'c3d')
    }
    best_pretext = records[pretrain]['checkpoint']
    assert Path(best_pretext).name == 'best_pretext_loss_epoch_1.pth'
    assert f'load_from={best_pretext}' in records[finetune]['command']
    assert Path(
        records[finetune]['checkpoint']).name == ('best_cls_loss_epoch_1.pth')
    assert records[finetune]['checkpoint'] in records[finetune
                                                      / 'test']['command']
    random_init = records[work_dir / 'random_init' / 'init'
                          / 'c3d']['checkpoint']
    assert f'load_from={random_init}' in records[random_finetune]['command']

    results_text = (work_dir / 'results.json').read_text()
    tables = json.loads(results_text)['tables']
    assert sorted(tables) == ['1', '2', '3', '4', '5']
    top1 = 100 * records[finetune / 'test']['metrics']['acc/top1']
    c3d_random, c3d_prp = tables['3']['rows'][:2]
    assert c3d_prp['cells'][0] == dict(
        paper=69.1, ours=top1, runs={'split 1': top1})
    assert c3d_random['cells'][0]['paper'] == 61.8
    assert c3d_random['cells'][0]['runs'].keys() == {'split 1'}
    # Table 2's DG-P row is Table 3's PRP run, its Random row the random one
    table_2 = {row['name']: row['cells'] for row in tables['2']['rows']}
    assert table_2['dgp_s1248_r2'][0] == c3d_prp['cells'][0] | dict(paper=70.9)
    assert table_2['random'][0]['ours'] == c3d_random['cells'][0]['ours']
    for row in ('dp_s12', 'gp_r1'):
        assert 0 <= table_2[row][0]['ours'] <= 100
        assert 0 <= table_2[row][1]['ours'] <= 100
    assert table_2['gp_r2'][0]['ours'] is None
    dp_s12 = tables['1']['rows'][0]
    assert dp_s12['name'] == 'dp_s12' and dp_s12['cells'][0]['paper'] == 88.3
    assert 0 <= dp_s12['cells'][0]['ours'] <= 100
    for number in ('4', '5'):
        for row in tables[number]['rows'][:2]:
            ours = [cell['ours'] for cell in row['cells']]
            if number == '4':
                # top-1/5 of the 8 gallery videos; top-10/20/50 hold all
                assert all(0 <= value <= 100 for value in ours[:2])
                assert all(map(math.isnan, ours[2:]))
            else:
                assert ours == [None] * 5
    markdown = (work_dir / 'results.md').read_text()
    for number in range(1, 6):
        assert f'## Table {number}. ' in markdown

    stamps = {
        path: path.stat().st_mtime_ns
        for path in work_dir.rglob('*')
        if path.is_file() and not path.name.startswith('results.')
    }
    second = run_command(command, cwd=tmp_path).stdout
    assert '[start]' not in second
    assert {path: path.stat().st_mtime_ns for path in stamps} == stamps
    assert (work_dir / 'results.json').read_text() == results_text


@pytest.mark.slow
def test_a_failed_job_stops_the_run_and_is_named(tmp_path, python) -> None:
    empty_root = tmp_path / 'no_lists'
    empty_root.mkdir()
    work_dir = tmp_path / 'work'
    argv = tiny_options(empty_root)
    argv[argv.index('--gpus') + 1] = '1'
    result = subprocess.run([python, TOOL, work_dir, '--tables', '3', *argv],
                            cwd=tmp_path,
                            text=True,
                            capture_output=True,
                            stdin=subprocess.DEVNULL,
                            env=dict(os.environ),
                            timeout=600)
    assert result.returncode == 1
    log = work_dir / 'pretrain' / 'prp_c3d_ucf101' / 'driver.log'
    assert ('FAILED: pretrain c3d ucf101 split 1 failed (exit status '
            in result.stderr)
    assert str(log) in result.stderr
    error = log.read_text().splitlines()[-1]
    assert error.startswith('FileNotFoundError'), error
    assert str(empty_root / 'ucf101_prp_train_split_1_videos.txt') in error
    assert '[start] finetune' not in result.stdout
    assert not list(work_dir.rglob('done.json'))
    assert '| C3D (PRP) | 69.1 / not run |' in (work_dir
                                                / 'results.md').read_text()
