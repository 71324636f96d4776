"""tools/reproduce_paper.py end to end on synthetic videos, on the CPU.

The whole driver runs once for C3D on UCF101 split 1 with tiny overrides (a
C3D of base width 4, one epoch, one clip per test video): prepared lists ->
PRP pretraining -> the paper's finetuning from its best checkpoint -> 10-clip
test (1 clip here) -> retrieval -> results.json and results.md. A second
invocation runs nothing.
"""
import json
import math
import subprocess
from pathlib import Path
from typing import List

import pytest

from helpers import REPO, load_tool, run_command

pytestmark = pytest.mark.slow

TOOL = REPO / 'tools' / 'reproduce_paper.py'
README_HEADER = (
    '| encoder | UCF101 top-1 (paper / ours) | HMDB51 top-1 (paper / ours) '
    '| UCF101 retrieval top-1/5/10/20/50 (paper / ours) | HMDB51 retrieval '
    '(paper / ours) |')
SMALL_LOADER = ('num_workers=0', 'persistent_workers=False', 'batch_size=2')


def loader_options(*loaders: str) -> List[str]:
    return [
        f'{loader}_dataloader.{option}' for loader in loaders
        for option in SMALL_LOADER
    ]


def tiny_options(ucf101_root: Path) -> List[str]:
    """C3D, UCF101 split 1, a narrow model, one epoch, one test clip."""
    return [
        '--archs', 'c3d', '--datasets', 'ucf101', '--splits', '1',
        '--ucf101-root',
        str(ucf101_root), '--cfg-options', 'model.backbone.base_channels=4',
        '--pretrain-cfg-options', 'model.rate_head.in_channels=32',
        'model.decoder.in_channels=32', 'model.decoder.channels=[8,8,8,8]',
        'train_cfg.max_epochs=1', *loader_options('train', 'val'),
        '--finetune-cfg-options', 'model.cls_head.in_channels=32',
        'train_cfg.max_epochs=1',
        'test_dataloader.dataset.pipeline.1.num_clips=1',
        *loader_options('train', 'val', 'test'), '--retrieval-cfg-options',
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


def test_reproduces_c3d_on_ucf101_then_skips_everything(
        ucf101_root, tmp_path, python) -> None:
    work_dir = tmp_path / 'work'
    command = [python, TOOL, work_dir, *tiny_options(ucf101_root)]
    first = run_command(command, cwd=tmp_path).stdout
    for job in ('pretrain c3d ucf101 split 1', 'finetune c3d ucf101 split 1',
                'test c3d ucf101 split 1', 'retrieval c3d ucf101 split 1'):
        assert f'[done]  {job}' in first

    pretrain = work_dir / 'pretrain' / 'prp_c3d_ucf101'
    finetune = work_dir / 'finetune' / 'finetune_c3d_ucf101_split1'
    records = {
        folder: json.loads((folder / 'done.json').read_text())
        for folder in (pretrain, finetune, finetune / 'test',
                       work_dir / 'retrieval' / 'retrieval_c3d_ucf101_split1')
    }
    best_pretext = records[pretrain]['checkpoint']
    assert Path(best_pretext).name == 'best_pretext_loss_epoch_1.pth'
    assert f'load_from={best_pretext}' in records[finetune]['command']
    assert str(
        REPO / 'configs' / 'finetune'
        / 'finetune_c3d_ucf101_split1.py') in records[finetune]['command']
    assert Path(
        records[finetune]['checkpoint']).name == ('best_cls_loss_epoch_1.pth')
    assert records[finetune]['checkpoint'] in records[finetune
                                                      / 'test']['command']
    assert (finetune / 'best_acc_top1_epoch_1.pth').is_file()

    results_text = (work_dir / 'results.json').read_text()
    results = json.loads(results_text)
    c3d = results['encoders']['c3d']
    top1 = 100 * records[finetune / 'test']['metrics']['acc/top1']
    assert c3d['recognition']['ucf101'] == dict(
        paper=69.1, ours=top1, splits={'1': top1})
    assert c3d['recognition']['hmdb51']['ours'] is None
    retrieval = c3d['retrieval']['ucf101']
    assert retrieval['paper'] == [23.2, 38.1, 46.0, 55.7, 68.4]
    # top-1/5 of the 8 gallery videos; top-10/20/50 hold them all: NaN
    measured, unmeasured = retrieval['ours'][:2], retrieval['ours'][2:]
    assert all(0 <= value <= 100 for value in measured)
    assert measured == sorted(measured)
    assert len(unmeasured) == 3 and all(map(math.isnan, unmeasured))
    assert results['encoders']['r21d']['recognition']['ucf101'] == dict(
        paper=72.1, ours=None, splits={})
    markdown = (work_dir / 'results.md').read_text()
    assert README_HEADER in markdown
    assert f'| C3D | 69.1 / {top1:.1f} (split 1) | 34.5 / not run |' in (
        markdown)
    assert '| R(2+1)D | 72.1 / not run | 35.0 / not run |' in markdown

    stamps = {
        path: path.stat().st_mtime_ns
        for path in work_dir.rglob('*')
        if path.is_file() and not path.name.startswith('results.')
    }
    second = run_command(command, cwd=tmp_path).stdout
    assert '[start]' not in second
    assert {path: path.stat().st_mtime_ns for path in stamps} == stamps
    assert (work_dir / 'results.json').read_text() == results_text


def test_a_failed_job_stops_the_run_and_is_named(tmp_path, python) -> None:
    empty_root = tmp_path / 'no_lists'
    empty_root.mkdir()
    work_dir = tmp_path / 'work'
    result = subprocess.run(
        [python, TOOL, work_dir, *tiny_options(empty_root)],
        cwd=tmp_path,
        text=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
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
    assert '| C3D | 69.1 / not run |' in (work_dir / 'results.md').read_text()


def test_from_authors_dry_run_converts_instead_of_pretraining(
        ucf101_root, tmp_path, python) -> None:
    authors = tmp_path / 'authors'
    authors.mkdir()
    (authors / 'c3d.pth.tar').write_bytes(b'')
    work_dir = tmp_path / 'work'
    interrupted = work_dir / 'finetune' / 'finetune_c3d_hmdb51_split2'
    interrupted.mkdir(parents=True)
    (interrupted / 'last_checkpoint').write_text('epoch_10.pth')
    out = run_command([
        python, TOOL, work_dir, '--from-authors', authors, '--archs', 'c3d',
        '--datasets', 'hmdb51', '--splits', '2', '--hmdb51-root', ucf101_root,
        '--dry-run'
    ],
                      cwd=tmp_path).stdout
    lines = out.splitlines()
    jobs = [line for line in lines if line.startswith('[')]
    assert jobs == [
        "[run]    convert the authors' c3d",
        '[resume] finetune c3d hmdb51 split 2',
        '[run]    test c3d hmdb51 split 2'
    ]
    convert = lines[lines.index(jobs[0]) + 1]
    assert 'convert_authors_checkpoint.py' in convert
    assert f"{authors / 'c3d.pth.tar'}" in convert and '--arch c3d' in convert
    finetune = lines[lines.index(jobs[1]) + 1]
    assert 'finetune_c3d_hmdb51_split2.py' in finetune
    assert ' --resume ' in finetune
    assert "load_from=<checkpoint of: convert the authors' c3d>" in finetune
    assert (f'test_dataloader.dataset.ann_file='
            f'{ucf101_root}/hmdb51_val_split_2_videos.txt') in finetune
    assert 'prp_c3d_ucf101.py' not in out
    assert sorted(path.name for path in work_dir.rglob('*')) == [
        'finetune', 'finetune_c3d_hmdb51_split2', 'last_checkpoint'
    ]


def test_missing_authors_model_is_named(tmp_path, python) -> None:
    result = subprocess.run([
        python, TOOL, tmp_path / 'work', '--from-authors', tmp_path, '--archs',
        'r21d', '--dry-run'
    ],
                            text=True,
                            capture_output=True,
                            stdin=subprocess.DEVNULL,
                            timeout=600)
    assert result.returncode != 0
    assert 'none of r21d.pth, r21d.pth.tar, r21d.pt' in result.stderr


def test_results_average_the_splits(tmp_path) -> None:
    tool = load_tool('reproduce_paper')
    for split, top1 in zip((1, 2, 3), (0.5, 0.6, 0.7)):
        folder = (
            tmp_path / 'finetune' / f'finetune_r3d_hmdb51_split{split}'
            / 'test')
        folder.mkdir(parents=True)
        (folder / 'done.json').write_text(
            json.dumps(dict(metrics={'acc/top1': top1})))
    results = tool.collect_results(tmp_path, 'a test')
    hmdb51 = results['encoders']['r3d']['recognition']['hmdb51']
    assert hmdb51['ours'] == pytest.approx(60.)
    markdown = tool.results_markdown(results)
    assert '| R3D | 66.5 / not run | 29.7 / 60.0 |' in markdown
    assert '| R3D | HMDB51 | 50.0 | 60.0 | 70.0 |' in markdown
