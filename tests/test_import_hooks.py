"""mmcl_plugin.import_hooks on small modules written for each test."""
import importlib
import inspect
import sys
from importlib.machinery import SourceFileLoader

import pytest

from mmcl_plugin import import_hooks
from mmcl_plugin.import_hooks import run_after_import, run_before_import


@pytest.fixture
def modules(tmp_path, monkeypatch):
    """Write modules under a fresh sys.path entry; forget them afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    written = []

    def write(name: str, body: str = '') -> None:
        parts = name.split('.')
        folder = tmp_path.joinpath(*parts[:-1])
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(1, len(parts)):
            init = tmp_path.joinpath(*parts[:i], '__init__.py')
            if not init.exists():
                init.write_text('')
        (folder / f'{parts[-1]}.py').write_text(body)
        written.append(name)
        importlib.invalidate_caches()

    # every module records what it did in `recorder.EVENTS`
    write('recorder', 'EVENTS = []\nFAIL = False\n')
    import recorder
    yield write, recorder.EVENTS
    for name in list(sys.modules):
        if name.split('.')[0] in {w.split('.')[0] for w in written}:
            del sys.modules[name]


def test_before_hook_runs_once_right_before_the_module_executes(modules):
    write, events = modules
    write('hk_before', 'import recorder\nrecorder.EVENTS.append("exec")\n')
    assert run_before_import('hk_before', lambda: events.append('before'))
    import hk_before  # noqa: F401
    assert events == ['before', 'exec']
    del sys.modules['hk_before']
    import hk_before  # noqa: F401,F811
    assert events == ['before', 'exec', 'exec']


def test_before_hook_is_refused_once_the_module_is_imported():
    called = []
    assert not run_before_import('json', lambda: called.append(1))
    importlib.reload(importlib.import_module('json'))
    assert called == []


def test_after_hook_gets_the_module_which_keeps_its_own_loader(modules):
    write, events = modules
    write('hk_pkg.sub', 'import recorder\nrecorder.EVENTS.append("exec")\n'
          'VALUE = 7\n')
    run_after_import('hk_pkg.sub',
                     lambda m: events.append(('after', m.__name__, m.VALUE)))
    from hk_pkg import sub
    assert events == ['exec', ('after', 'hk_pkg.sub', 7)]
    assert type(sub.__loader__) is SourceFileLoader
    assert type(sub.__spec__.loader) is SourceFileLoader
    assert 'VALUE = 7' in inspect.getsource(sub)


def test_after_hook_runs_at_once_for_an_imported_module():
    seen = []
    run_after_import('json', seen.append)
    assert seen == [sys.modules['json']]


def test_after_hooks_wait_for_an_import_that_succeeds(modules):
    write, events = modules
    write('hk_flaky', 'import recorder\nif recorder.FAIL:\n'
          '    raise RuntimeError("broken")\n')
    import recorder
    recorder.FAIL = True
    run_after_import('hk_flaky', lambda m: events.append('after'))
    with pytest.raises(RuntimeError, match='broken'):
        import hk_flaky  # noqa: F401
    assert events == []
    recorder.FAIL = False
    import hk_flaky  # noqa: F401,F811
    assert events == ['after']


def test_after_hooks_wait_for_a_module_that_is_not_there_yet(modules):
    write, events = modules
    run_after_import('hk_later', lambda m: events.append('after'))
    with pytest.raises(ModuleNotFoundError, match='hk_later'):
        import hk_later  # noqa: F401
    write('hk_later')
    import hk_later  # noqa: F401,F811
    assert events == ['after']


def test_one_finder_in_front_of_the_import_system():
    finders = [f for f in sys.meta_path
               if isinstance(f, import_hooks._HookFinder)]
    assert len(finders) == 1
    assert import_hooks._finder() is finders[0]
