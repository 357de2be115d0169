from .grouped_batch_norm import grouped_batch_norm

__all__ = ['grouped_batch_norm']
