"""The report of benchmarks/gpu/nwucla_full_schedule.py in every state."""
import importlib.util
import json
import os.path as osp
from types import SimpleNamespace

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_script():
    path = osp.join(REPO, 'benchmarks', 'gpu', 'nwucla_full_schedule.py')
    spec = importlib.util.spec_from_file_location('nwucla_full_schedule',
                                                  path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def report(check, **streams):
    return dict(
        check=check, command='python benchmarks/gpu/nwucla_full_schedule.py',
        schedule='65 epochs', machine='H200',
        streams={name: streams.get(name, dict(status='not run'))
                 for name in ('joint', 'bone', 'joint-motion',
                              'bone-motion')},
        ensemble=streams.get('ensemble', dict(status='not run')))


def write(tmp_path, state):
    script = load_script()
    args = SimpleNamespace(out_dir=str(tmp_path), name='full')
    script.write_report(args, state)
    with open(tmp_path / 'full.json') as f:
        assert json.load(f) == state
    return (tmp_path / 'full.md').read_text()


def test_nothing_measured_yet(tmp_path):
    # the first report, written before any stream ran (a CPU check too)
    for check in (False, True):
        text = write(tmp_path, report(check))
        assert '- joint: not measured' in text
        assert '- ensemble: not measured' in text
        assert '| joint | not run | - | - | - | - |' in text


def test_goals_judged_on_full_runs_only(tmp_path):
    joint = dict(status='done', top1=94.2, top5=99.8, mean_class=94.0,
                 wall_s=1200.0)
    ensemble = dict(status='done', top1=96.1, top5=100.0, mean_class=96.0)
    text = write(tmp_path, report(False, joint=joint, ensemble=ensemble))
    assert '- joint: 94.2 % (met)' in text
    assert '- ensemble: 96.1 % (NOT met)' in text
    assert '| joint | done | 94.2 | 99.8 | 94.0 | 1200.0 |' in text
    text = write(tmp_path, report(True, joint=joint))
    assert '- joint: 94.2 % (CPU check of the script, not judged)' in text
    assert '- ensemble: not measured' in text
