"""iteration_lrs: the lr of every iteration as mmengine's runner schedules
it, against hand-computed values."""
import numpy as np
import pytest

from mmcl_plugin.engine import iteration_lrs


def test_iteration_warm_up_then_steps():
    # LinearLR converted to 4 iterations (2 epochs x 2): 0.1 -> 1 in 3
    # equal steps; MultiStepLR (per epoch) x0.1 from epoch 3.
    schedule = [
        dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0,
             end=2, convert_to_iter_based=True),
        dict(type='MultiStepLR', milestones=[3], gamma=0.1, by_epoch=True,
             begin=0),  # end: the runner's default, the last epoch
    ]
    lrs = iteration_lrs(schedule, base_lr=1.0, iters_per_epoch=2,
                        max_epochs=5)
    np.testing.assert_allclose(
        lrs, [[0.1, 0.4], [0.7, 1.0], [1.0, 1.0], [0.1, 0.1], [0.1, 0.1]],
        rtol=1e-12)


def test_milestones_count_from_begin():
    """The pitfall the 65-epoch schedules had: a MultiStepLR that begins at
    epoch 2 drops at 2 + milestone."""
    late = iteration_lrs(
        dict(type='MultiStepLR', milestones=[3], gamma=0.5, by_epoch=True,
             begin=2, end=8), base_lr=1.0, iters_per_epoch=1, max_epochs=8)
    assert late[:, 0].tolist() == [1, 1, 1, 1, 1, 0.5, 0.5, 0.5]


def test_per_epoch_warm_up_as_the_official_main_py():
    # lr * (epoch + 1) / 5 for 5 epochs, constant within an epoch
    lrs = iteration_lrs(
        [dict(type='LinearLR', start_factor=1 / 5, end_factor=1.0,
              by_epoch=True, begin=0, end=5)],
        base_lr=0.1, iters_per_epoch=3, max_epochs=7)
    expected = [0.02, 0.04, 0.06, 0.08, 0.1, 0.1, 0.1]
    np.testing.assert_allclose(lrs, np.repeat([expected], 3, axis=0).T,
                               rtol=1e-12)


def test_iteration_based_cosine_then_held():
    # cosine over the 4 iterations of epoch 0; after its end the lr stays
    # where the last step left it
    lrs = iteration_lrs(
        [dict(type='CosineAnnealingLR', T_max=1, eta_min=0, by_epoch=True,
              begin=0, end=1, convert_to_iter_based=True)],
        base_lr=1.0, iters_per_epoch=4, max_epochs=2)
    expected = [(1 + np.cos(np.pi * i / 4)) / 2 for i in range(4)]
    np.testing.assert_allclose(lrs[0], expected, atol=1e-12)
    np.testing.assert_allclose(lrs[1], expected[-1], atol=1e-12)


def test_rejects_empty_loops():
    with pytest.raises(ValueError, match='0 iterations'):
        iteration_lrs([], 0.1, iters_per_epoch=0, max_epochs=3)
