"""Symmetric InfoNCE between skeleton and frame-strip features (FAM)."""
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS


def world_size() -> int:
    """Number of distributed ranks (1 when not distributed)."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return 1


def gather_with_local_grad(x: torch.Tensor) -> torch.Tensor:
    """All-gather a batch across ranks, keeping the gradient of this rank.

    ``torch.distributed.all_gather`` returns tensors without gradient; we put
    the local tensor back in its slot so that the loss still back-propagates
    into this rank's features.

    Args:
        x (torch.Tensor): Local features of shape (n, C). Every rank must
            hold the same n.

    Returns:
        torch.Tensor: Global features of shape (world_size * n, C).
    """
    if world_size() == 1:
        return x
    gathered = [torch.empty_like(x) for _ in range(world_size())]
    dist.all_gather(gathered, x.detach().contiguous())
    gathered[dist.get_rank()] = x
    return torch.cat(gathered, dim=0)


def info_nce(query: torch.Tensor, key: torch.Tensor,
             temperature: float) -> torch.Tensor:
    """Per-sample InfoNCE with inter- and intra-modal negatives.

    ``l_i = -log( exp(s(q_i, k_i)/t) / (sum_j exp(s(q_i, k_j)/t)
    + sum_{j != i} exp(s(q_i, q_j)/t)) )`` with the cosine similarity s;
    the positive pair is part of the denominator.

    Args:
        query (torch.Tensor): Features of one modality, shape (B, C).
        key (torch.Tensor): Paired features of the other modality (B, C).
        temperature (float): Softmax temperature t.

    Returns:
        torch.Tensor: The loss of every sample, shape (B, ).
    """
    query = F.normalize(query, dim=1)
    key = F.normalize(key, dim=1)
    inter = query @ key.t() / temperature
    intra = query @ query.t() / temperature
    # a sample is not its own intra-modal negative
    self_pairs = torch.eye(len(query), dtype=torch.bool, device=query.device)
    intra = intra.masked_fill(self_pairs, float('-inf'))
    logits = torch.cat([inter, intra], dim=1)
    return torch.logsumexp(logits, dim=1) - inter.diagonal()


@MODELS.register_module()
class SymmetricInfoNCELoss(nn.Module):
    """Symmetric contrastive loss of MMCL's feature alignment module.

    ``L = mean_i 1/2 [l(F_G, F_C)_i + l(F_C, F_G)_i]`` with :func:`info_nce`:
    the positive pair is (F_G_i, F_C_i) and every other sample of both
    modalities is a negative.

    With ``gather_distributed`` the loss is computed over the global batch
    of all ranks. Each rank sees only its own features with gradient, and
    DDP averages gradients over ranks, so the gradient is scaled by the
    world size; then the averaged gradient equals the exact gradient of the
    global-batch loss while the logged value stays the loss itself.

    Args:
        temperature (float): Temperature tau. Defaults to 0.4.
        loss_weight (float): Weight lambda_1 of the loss. Defaults to 0.1.
        gather_distributed (bool): Use the negatives of all ranks (the global
            batch) under DDP. Defaults to False.
    """

    def __init__(self,
                 temperature: float = 0.4,
                 loss_weight: float = 0.1,
                 gather_distributed: bool = False) -> None:
        super().__init__()
        if temperature <= 0:
            raise ValueError(f'temperature must be > 0, got {temperature}')
        self.temperature = temperature
        self.loss_weight = loss_weight
        self.gather_distributed = gather_distributed

    def forward(self, skeleton_feat: torch.Tensor,
                image_feat: torch.Tensor) -> torch.Tensor:
        """Compute the weighted loss.

        Args:
            skeleton_feat (torch.Tensor): F_G of shape (n, C).
            image_feat (torch.Tensor): F_C of shape (n, C).

        Returns:
            torch.Tensor: Scalar loss times ``loss_weight``.
        """
        if skeleton_feat.shape != image_feat.shape or skeleton_feat.dim() != 2:
            raise ValueError(
                'skeleton and image features must both be (n, C), got '
                f'{tuple(skeleton_feat.shape)} and {tuple(image_feat.shape)}')
        ranks = world_size() if self.gather_distributed else 1
        if ranks > 1:
            skeleton_feat = gather_with_local_grad(skeleton_feat)
            image_feat = gather_with_local_grad(image_feat)
        loss = 0.5 * (
            info_nce(skeleton_feat, image_feat, self.temperature) +
            info_nce(image_feat, skeleton_feat, self.temperature)).mean()
        if ranks > 1:
            # same value, gradient x ranks (see the class docstring)
            loss = loss + (ranks - 1) * (loss - loss.detach())
        return self.loss_weight * loss
