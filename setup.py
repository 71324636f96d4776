"""Install mmprp: ``pip install .`` or ``pip install -e .``.

A regular (non-editable) build ships the repository's ``configs/``,
``tools/`` and ``model-index.yml`` inside the package as ``mmprp/.mim/``,
the folder where OpenMMLab's ``mim`` looks for them, so that
``mim train mmprp prp_c3d_ucf101.py`` and ``mim search mmprp`` work from any
directory after ``pip install``.
"""
import shutil
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent
MIM_FILES = ('configs', 'tools', 'model-index.yml')


def read_version() -> str:
    """Read ``__version__`` from ``mmprp/version.py`` without importing it."""
    namespace: dict = {}
    exec((HERE / 'mmprp' / 'version.py').read_text(), namespace)
    return namespace['__version__']


def read_requirements(name: str) -> list:
    """Return the requirement lines of ``requirements/<name>.txt``."""
    path = HERE / 'requirements' / f'{name}.txt'
    lines = (
        line.split('#', 1)[0].strip()
        for line in path.read_text().splitlines())
    return [line for line in lines if line]


class BuildPyWithMim(build_py):
    """``build_py`` that also copies :data:`MIM_FILES` to ``mmprp/.mim``.

    Editable installs skip the copy: they run from the repository, where
    the configs and tools already are.
    """

    def run(self) -> None:
        super().run()
        if getattr(self, 'editable_mode', False):
            return
        mim_dir = Path(self.build_lib) / 'mmprp' / '.mim'
        for name in MIM_FILES:
            source, target = HERE / name, mim_dir / name
            if target.is_dir():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(
                    source,
                    target,
                    ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
            else:
                shutil.copyfile(source, target)


setup(
    name='mmprp',
    version=read_version(),
    description=('PRP (Video Playback Rate Perception, CVPR 2020) for '
                 'MMAction2'),
    long_description=(HERE / 'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.9',
    packages=find_packages(include=['mmprp', 'mmprp.*']),
    install_requires=read_requirements('runtime'),
    extras_require={
        'lite': read_requirements('lite'),
        'mim': read_requirements('mim'),
        'testing': read_requirements('testing'),
    },
    cmdclass={'build_py': BuildPyWithMim},
    zip_safe=False,
)
