"""Test-only driver: ``python <tool> --help`` for every given tool script,
in this one process (one start-up of torch and MMAction2 for all).

Each script runs as ``__main__`` with ``sys.argv = [script, '--help']`` and
its folder first on ``sys.path``, as ``python SCRIPT --help`` would run it.
Prints one JSON object: ``mmprp`` -> the file of the mmprp imported, and
each script -> [its exit code, what it printed on stdout, the end of what
it printed on stderr].
"""
import contextlib
import io
import json
import os
import runpy
import sys
import traceback


def help_of(script: str) -> list:
    """Run ``script --help`` as ``__main__``.

    Args:
        script (str): The tool's path.

    Returns:
        list: Its exit code, stdout, and the last 2,000 characters of its
        stderr (with the traceback of an exception other than SystemExit).
    """
    sys.argv = [script, '--help']
    sys.path[0] = os.path.dirname(script)
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            runpy.run_path(script, run_name='__main__')
        except SystemExit as exited:
            code = exited.code if isinstance(exited.code, int) else 1
        except Exception:
            traceback.print_exc()
            code = 1
    return [code, out.getvalue(), err.getvalue()[-2000:]]


if __name__ == '__main__':
    helps = {script: help_of(script) for script in sys.argv[1:]}
    import mmprp
    print(json.dumps(dict(mmprp=mmprp.__file__, **helps)))
