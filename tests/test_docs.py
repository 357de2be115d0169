"""README and docs/: short README, every relative link resolves."""
import glob
import os.path as osp
import re

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PAGES = [osp.join(REPO, 'README.md')] + sorted(
    glob.glob(osp.join(REPO, 'docs', '*.md')))
LINK = re.compile(r'\]\(([^)#\s]+)(?:#[^)]*)?\)')


def test_readme_is_short_and_links_the_docs():
    with open(PAGES[0], encoding='utf-8') as f:
        text = f.read()
    assert len(text.splitlines()) <= 200
    linked = {m for m in LINK.findall(text) if m.startswith('docs/')}
    assert len(linked) >= 5 and set(
        osp.join(REPO, m) for m in linked) <= set(PAGES[1:])


@pytest.mark.parametrize('page', PAGES, ids=lambda p: osp.relpath(p, REPO))
def test_relative_links_resolve(page):
    with open(page, encoding='utf-8') as f:
        targets = [t for t in LINK.findall(f.read())
                   if not re.match(r'[a-z]+://', t)]
    missing = [t for t in targets
               if not osp.exists(osp.join(osp.dirname(page), t))]
    assert not missing, f'{osp.relpath(page, REPO)} links to {missing}'
