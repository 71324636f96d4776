"""``tools/demo.py`` (what ``make demo`` runs) completes on a tiny budget."""
import re


def test_demo_one_epoch(tmp_path, python, helpers) -> None:
    work_dir = tmp_path / 'demo'
    result = helpers['run_command']([
        python, helpers['repo'] / 'tools' / 'demo.py', '--work-dir',
        work_dir, '--epochs', '1'
    ], cwd=tmp_path)
    out = result.stdout
    assert '[1/2] synthetic dataset' in out
    assert '[2/2] PRP pretraining, 1 epochs' in out
    assert (work_dir / 'data' / 'prp_train_videos.txt').is_file()
    assert list((work_dir / 'pretrain').glob('best_pretext_loss_epoch_1.pth'))
    loss = float(re.search(r'pretext/loss\s+([\d.]+)', out).group(1))
    accuracy = float(re.search(r'pretext/rate_acc\s+([\d.]+)', out).group(1))
    assert 0 < loss < 10 and 0 <= accuracy <= 1
    assert re.search(r'Total time: \d+ s', out)
