"""Running the command-line tools on the generated demo dataset, as the
end-to-end tests do: a workspace holding ``data/demo`` (the layout the demo
configs expect), subprocess runs with the repository on the path, and
mmengine's scalar logs."""
import glob
import json
import os
import os.path as osp
import socket
import subprocess
import sys
from typing import List

from mmcl_tools.demo import make_demo_dataset

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: The demo's MMCL config (FAM + FRM on CTR-GCN).
DEMO_CONFIG = osp.join(REPO, 'configs', 'demo',
                       'mmcl-ctrgcn_1xb8-joint-u32-8e_demo-keypoint-3d.py')
BIN = osp.dirname(sys.executable)


def demo_workspace(root, num_train: int, num_val: int) -> str:
    """Generate ``root/data/demo`` (seed 0) and return ``root``."""
    make_demo_dataset(osp.join(str(root), 'data', 'demo'), seed=0,
                      num_train=num_train, num_val=num_val, progress=False)
    return str(root)


def run(cmd: List[str], cwd, timeout: int = 900,
        **env_overrides) -> subprocess.CompletedProcess:
    """Run ``cmd`` in ``cwd`` and assert that it exits 0."""
    env = dict(os.environ, PYTHONPATH=REPO,
               PATH=BIN + os.pathsep + os.environ.get('PATH', ''))
    env.update(env_overrides)
    result = subprocess.run([str(c) for c in cmd], cwd=str(cwd), env=env,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (
        f'{cmd} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}')
    return result


def scalars(work_dir: str) -> List[dict]:
    """Entries of mmengine's ``scalars.json`` log of the newest run."""
    paths = glob.glob(osp.join(str(work_dir), '*', 'vis_data',
                               'scalars.json'))
    assert paths, f'no scalars.json under {work_dir}'
    with open(sorted(paths)[-1]) as f:
        return [json.loads(line) for line in f]


def free_port() -> int:
    """A TCP port free on this machine now."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]
