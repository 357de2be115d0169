import math
import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from fresh_python import free_port

from mmcl_plugin.models.losses import SymmetricInfoNCELoss, info_nce
from numerics import assert_within_rounding

pytestmark = pytest.mark.numerics


def test_matches_hand_computed_value():
    # G1=(1,0) G2=(0,1); C1=C2=(1,0): cosines are 0 or 1.
    # float64 against the float64 formula: about 20 exp/log/divisions of
    # values near 1, rel 1e-13 = 450 x eps64
    g = torch.tensor([[1., 0.], [0., 1.]], dtype=torch.float64)
    c = torch.tensor([[2., 0.], [3., 0.]],
                     dtype=torch.float64)  # norms must not matter
    tau = 0.4
    e = math.exp(1 / tau)
    # l(G, C): G1 pos s=1, negs s(G1,C2)=1, s(G1,G2)=0
    l_gc = [-math.log(e / (e + e + 1)), -math.log(1 / (1 + 1 + 1))]
    # l(C, G): C1 pos s=1, s(C1,G2)=0, s(C1,C2)=1; C2 pos s(C2,G2)=0
    l_cg = [-math.log(e / (e + 1 + e)), -math.log(1 / (e + 1 + e))]
    expected = sum(0.5 * (a + b) for a, b in zip(l_gc, l_cg)) / 2
    loss = SymmetricInfoNCELoss(temperature=tau, loss_weight=1.0)(g, c)
    assert loss.item() == pytest.approx(expected, rel=1e-13)
    weighted = SymmetricInfoNCELoss(temperature=tau, loss_weight=0.1)(g, c)
    assert weighted.item() == pytest.approx(0.1 * expected, rel=1e-13)


def test_info_nce_rows_and_perfect_alignment_is_lower():
    torch.manual_seed(0)
    a = torch.randn(6, 8)
    noisy = torch.randn(6, 8)
    per_sample = info_nce(a, a.clone(), 0.4)
    assert per_sample.shape == (6, )
    assert info_nce(a, a.clone(), 0.4).mean() < info_nce(a, noisy, 0.4).mean()


def test_gradients_flow_to_both_modalities():
    g = torch.randn(4, 5, requires_grad=True)
    c = torch.randn(4, 5, requires_grad=True)
    SymmetricInfoNCELoss()(g, c).backward()
    assert g.grad.abs().sum() > 0 and c.grad.abs().sum() > 0


def test_rejects_bad_shapes_and_temperature():
    with pytest.raises(ValueError, match='both be'):
        SymmetricInfoNCELoss()(torch.randn(4, 5), torch.randn(3, 5))
    with pytest.raises(ValueError, match='temperature'):
        SymmetricInfoNCELoss(temperature=0)


def _ddp_worker(rank, world, port, z_g, z_c, weight, out_queue):
    os.environ['MASTER_ADDR'] = '127.0.0.1'
    os.environ['MASTER_PORT'] = str(port)
    dist.init_process_group('gloo', rank=rank, world_size=world)
    n = z_g.size(0) // world
    shard = slice(rank * n, (rank + 1) * n)
    w = weight.clone().requires_grad_(True)
    loss = SymmetricInfoNCELoss(loss_weight=1.0, gather_distributed=True)(
        z_g[shard] @ w, z_c[shard] @ w)
    loss.backward()
    grad = w.grad.clone()
    dist.all_reduce(grad)  # what DDP does: average over ranks
    grad /= world
    out_queue.put((rank, loss.item(), grad))
    dist.destroy_process_group()


def test_distributed_gather_equals_global_batch_loss_and_gradient():
    torch.manual_seed(0)
    # float64: the gathered and the global batch sum in other orders
    z_g, z_c = (torch.randn(8, 6, dtype=torch.float64) for _ in range(2))
    weight = torch.randn(6, 4, dtype=torch.float64)
    w = weight.clone().requires_grad_(True)
    full = SymmetricInfoNCELoss(loss_weight=1.0)(z_g @ w, z_c @ w)
    full.backward()

    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    port = free_port()
    procs = [
        ctx.Process(
            target=_ddp_worker,
            args=(r, 2, port, z_g, z_c, weight, queue)) for r in range(2)
    ]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    # 16 x 16 similarities of 4-d features per loss; a gradient sums them
    # over the 8 samples' 6 inputs, softmax terms cancelling (scale: the
    # largest |d loss / d similarity| = 1 / tau times the inputs' size)
    scale = float(z_g.abs().max() * z_c.abs().max()) / 0.4
    for _, loss, grad in results:
        assert_within_rounding(torch.tensor(loss, dtype=torch.float64),
                               full.detach(), terms=16 * 16 * 4, msg='loss')
        assert_within_rounding(grad, w.grad, terms=16 * 16 * 4 * 6,
                               scale=scale, msg='gradient')
