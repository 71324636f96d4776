"""The built-in demo: PRP pretraining on a synthetic action dataset, on a CPU.

Steps (each prints its progress):

1. write the synthetic 10-class UCF101-layout dataset to
   ``<work-dir>/data`` (classes differ only in motion), unless present;
2. pretrain PRP (discriminative + generative perception with motion
   attention) with ``configs/demo/prp_c3d_demo.py`` on its split-1 train
   videos, validating on the split-1 test videos;
3. print the validation loss and rate accuracy of every epoch, the best
   checkpoint and the total time.

Run ``make demo`` (which sets up ``.venv`` first) or
``python tools/demo.py [--work-dir DIR] [--epochs N]``.
"""
import argparse
import shutil
import time
from pathlib import Path

from mmengine import Config
from mmengine.runner import Runner

from mmprp.datasets.synthetic import (SyntheticDataset,
                                      generate_synthetic_ucf101)

REPO = Path(__file__).resolve().parents[1]
DEMO_CONFIG = REPO / 'configs' / 'demo' / 'prp_c3d_demo.py'


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', type=Path,
                        default=Path('work_dirs/demo'),
                        help='where data, logs and checkpoints go')
    parser.add_argument('--epochs', type=int, default=None,
                        help='pretraining epochs (default: the config\'s)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the synthetic dataset and training')
    return parser.parse_args()


def prepare_data(data_dir: Path, seed: int) -> SyntheticDataset:
    """Write the synthetic dataset and the pretraining lists.

    Args:
        data_dir (Path): Folder of the dataset.
        seed (int): Seed of the generator.

    Returns:
        SyntheticDataset: Where the dataset lies.
    """
    print(f'[1/2] synthetic dataset -> {data_dir}', flush=True)
    if data_dir.exists():
        shutil.rmtree(data_dir)
    dataset = generate_synthetic_ucf101(data_dir, num_classes=10, seed=seed)
    train_list, test_list = dataset.ann_files[1]
    shutil.copy(train_list, data_dir / 'prp_train_videos.txt')
    shutil.copy(test_list, data_dir / 'prp_val_videos.txt')
    return dataset


def pretrain(work_dir: Path, data_dir: Path, epochs: int, seed: int) -> dict:
    """Run PRP pretraining with the demo config.

    Args:
        work_dir (Path): Logs and checkpoints go to ``work_dir/pretrain``.
        data_dir (Path): The synthetic dataset.
        epochs (int | None): Overrides the config's epochs if given.
        seed (int): Training seed.

    Returns:
        dict: The last validation metrics.
    """
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.work_dir = str(work_dir / 'pretrain')
    cfg.randomness = dict(seed=seed)
    for loader in ('train', 'val', 'test'):
        dataset = cfg[f'{loader}_dataloader'].dataset
        dataset.ann_file = str(data_dir / Path(dataset.ann_file).name)
        dataset.data_prefix.video = str(data_dir / 'videos')
    if epochs is not None:
        cfg.train_cfg.max_epochs = epochs
        cfg.param_scheduler[0].T_max = epochs
    print(f'[2/2] PRP pretraining, {cfg.train_cfg.max_epochs} epochs -> '
          f'{cfg.work_dir}', flush=True)
    runner = Runner.from_cfg(cfg)
    runner.train()
    hub = runner.message_hub
    return {key: hub.get_scalar(f'val/{key}').current()
            for key in ('pretext/loss', 'pretext/loss_rate',
                        'pretext/loss_recon', 'pretext/rate_acc')}


def main() -> None:
    args = parse_args()
    start = time.perf_counter()
    data_dir = args.work_dir / 'data'
    prepare_data(data_dir, args.seed)
    metrics = pretrain(args.work_dir, data_dir, args.epochs, args.seed)
    print('\nPRP demo finished. Validation after the last epoch:')
    for key, value in metrics.items():
        print(f'  {key:22s} {value:.4f}')
    print(f'  (chance rate accuracy: {1 / 4:.4f})')
    best = sorted((args.work_dir / 'pretrain').glob('best_*.pth'))
    if best:
        print(f'Best checkpoint (lowest validation loss): {best[-1]}')
    print(f'Total time: {time.perf_counter() - start:.0f} s')


if __name__ == '__main__':
    main()
