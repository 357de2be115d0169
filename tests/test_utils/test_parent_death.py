"""Data-loader workers with DieWithParent end when their parent is
killed (SIGKILL: no cleanup of its own runs)."""
import os
import re
import subprocess
import sys
import time

import pytest

SCRIPT = r'''
import os, sys, time, torch
from torch.utils.data import DataLoader, Dataset
from mmcl_plugin.utils import DieWithParent

class Slow(Dataset):
    def __len__(self):
        return 100
    def __getitem__(self, index):
        # one write: lines of two workers never interleave in the pipe
        sys.stdout.write(f'worker {os.getpid()}\n')
        sys.stdout.flush()
        time.sleep(60)
        return index

loader = DataLoader(Slow(), num_workers=2, batch_size=1,
                    worker_init_fn=DieWithParent() if sys.argv[1] == 'yes'
                    else None)
for _ in loader:
    pass
'''


def alive(pid):
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().split()[2] != 'Z'
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith('linux'),
                    reason='PR_SET_PDEATHSIG is Linux only')
@pytest.mark.parametrize('die_with_parent', ['yes', 'no'])
def test_workers_end_with_a_killed_parent(die_with_parent):
    parent = subprocess.Popen([sys.executable, '-c', SCRIPT, die_with_parent],
                              stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, OMP_NUM_THREADS='1'))
    workers = set()
    while len(workers) < 2:
        line = parent.stdout.readline()
        assert line, 'the loader ended before its workers started'
        workers.update(int(pid) for pid in re.findall(r'worker (\d+)', line))
    parent.kill()
    parent.wait()
    # the kernel signals them at once; the control case needs no long wait
    deadline = time.time() + (10 if die_with_parent == 'yes' else 2)
    while any(map(alive, workers)) and time.time() < deadline:
        time.sleep(0.1)
    survivors = [pid for pid in workers if alive(pid)]
    for pid in survivors:  # the control case: clean up the orphans
        os.kill(pid, 9)
    if die_with_parent == 'yes':
        assert survivors == []
    else:  # without it they would stay (what the issue saw)
        assert sorted(survivors) == sorted(workers)
