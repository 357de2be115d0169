"""Offline data production: what tools write once so that training reads
files instead of recomputing them.

* :mod:`.process_pool`, the crash-tolerant process pool of these tools and
  of the dataset converters.
"""
from .process_pool import imap_jobs

__all__ = ['imap_jobs']
