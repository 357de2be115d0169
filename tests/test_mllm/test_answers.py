"""The paper's binary answer variant."""
import numpy as np
import pytest

from mmcl_plugin.text_cache.answers import parse_yes_no, yes_no_onehot


@pytest.mark.parametrize('answer,verdict', [
    ('yes', True),
    ('Yes, a cup.', True),
    ('  YES!', True),
    ('no', False),
    ('No one is holding anything', False),
    ('no.', False),
    ('a cup', None),
    ('', None),
    ('nope', None),
    ('yesterday', None),
    ('?', None),
])
def test_parse_yes_no(answer, verdict):
    assert parse_yes_no(answer) is verdict


def test_onehot():
    np.testing.assert_array_equal(yes_no_onehot('yes'), [1, 0])
    np.testing.assert_array_equal(yes_no_onehot('No.'), [0, 1])
    assert yes_no_onehot('yes').dtype == np.float32
    assert yes_no_onehot('maybe') is None
