"""tools/analysis/draw_strip_layouts.py: one sample's strip in each layout
and tile fit, one PNG."""
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
from strip_videos import (annotation, person_keypoints,  # noqa: E402
                          write_ann_file, write_video)

NAME = 'S001C001P001R001A003'


def load_tool():
    path = osp.join(REPO, 'tools', 'analysis', 'draw_strip_layouts.py')
    spec = importlib.util.spec_from_file_location('draw_strip_layouts', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_figure_rows_and_sizes(tmp_path, capsys):
    tool = load_tool()
    ann_file = write_ann_file(str(tmp_path / 'ann.pkl'),
                              [annotation(NAME, person_keypoints())])
    write_video(str(tmp_path / f'{NAME}_rgb.avi'), person=True)
    out = str(tmp_path / 'layouts.png')
    tool.main([ann_file, str(tmp_path), '--sample', NAME, '--strip-size',
               '24', '120', '--canvas-size', '60', '--out', out])
    figure = cv2.imread(out)
    # rows: caption (30) + strip (24), gap (12), caption + strip (24),
    # gap, caption + the two 60 x 60 release canvases side by side (gap 12)
    assert figure.shape == (30 + 24 + 12 + 30 + 24 + 12 + 30 + 60,
                            60 + 12 + 60, 3)
    assert '132 x 222' in capsys.readouterr().out
    # row 1 (stretch) shows the person across its first tile; row 2 (pad)
    # has black bars beside the narrower crop
    stretch_tile = figure[30:54, 0:24]
    pad_tile = figure[96:120, 0:24]
    assert stretch_tile[2:-2, 0].min() > 200  # edges: codec blur
    assert pad_tile[2:-2, 0].max() < 30

    with pytest.raises(KeyError, match='no sample'):
        tool.main([ann_file, str(tmp_path), '--sample', 'S999', '--out',
                   out])
