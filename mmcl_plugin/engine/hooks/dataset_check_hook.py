"""Checks of the datasets against the model, before any step runs."""
from typing import Iterator, List, Optional, Tuple

from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

#: How many offending samples the error lists.
MAX_LISTED = 10


def leaf_datasets(dataset) -> Iterator:
    """The datasets inside dataset wrappers (``RepeatDataset``,
    ``ClassBalancedDataset``: ``.dataset``; ``ConcatDataset``:
    ``.datasets``)."""
    if hasattr(dataset, 'datasets'):
        for inner in dataset.datasets:
            yield from leaf_datasets(inner)
    elif hasattr(dataset, 'dataset'):
        yield from leaf_datasets(dataset.dataset)
    else:
        yield dataset


def sample_names(dataset) -> List[str]:
    """The ``frame_dir`` (or ``filename``) of every sample of a dataset:
    its leaf datasets' ``sample_labels`` (``MMCLPoseDataset``) or
    unserialised ``data_list``; none for other datasets."""
    names = []
    for leaf in leaf_datasets(dataset):
        labels = getattr(leaf, 'sample_labels', None)
        if isinstance(labels, dict):
            names += [str(name) for name in labels]
            continue
        for info in getattr(leaf, 'data_list', None) or []:
            if isinstance(info, dict):
                name = info.get('frame_dir', info.get('filename'))
                if name is not None:
                    names.append(str(name))
    return names


def dataset_problems(dataset,
                     num_classes: Optional[int],
                     frm_head=None) -> List[Tuple[str, str]]:
    """What in ``dataset`` does not fit the model, as (sample, problem).

    Args:
        dataset: A leaf dataset. ``MMCLPoseDataset`` offers
            ``label_problems`` and ``text_feature_problems``; other
            datasets are checked for ``num_classes`` only.
        num_classes (int, optional): The classifier's class count.
        frm_head (FRMHead, optional): The FRM, whose ``text_channels`` and
            ``num_prompts`` the text features must have.
    """
    problems = []
    own = getattr(dataset, 'num_classes', None)
    if num_classes is not None:
        if own is not None and own != num_classes:
            problems.append((f'{type(dataset).__name__} '
                             f'{getattr(dataset, "ann_file", "")}',
                             f'num_classes={own}, the model\'s cls_head '
                             f'has {num_classes} classes'))
        elif own is None and hasattr(dataset, 'label_problems'):
            problems += dataset.label_problems(num_classes)
    if frm_head is not None and hasattr(dataset, 'text_feature_problems'):
        problems += dataset.text_feature_problems(frm_head.text_channels,
                                                  frm_head.num_prompts)
    return problems


@HOOKS.register_module()
class DatasetCheckHook(Hook):
    """Check that the datasets fit the model before training or testing.

    The datasets check their own samples when they are built
    (``MMCLPoseDataset``); what needs the model is checked here, before
    the first iteration, with one error naming every offending sample:

    - each dataset's ``num_classes`` equals the classifier's (a dataset
      without one has its labels checked against the classifier's);
    - in training, the text features (the ``FRMHead``'s input) have its
      ``text_channels`` width and ``num_prompts`` prompts: every
      per-sample file by its header, one sample of a cache.

    - in training, no sample (``frame_dir``) is in the training and the
      validation datasets both (the validation would score samples the
      model was trained on).

    A wrong width otherwise fails inside the data preprocessor or the FRM,
    in the middle of an epoch, without the sample's name.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        """Check the training and validation datasets."""
        loaders = [('train', runner.train_dataloader)]
        if runner.val_loop is not None:
            loaders.append(('val', runner.val_dataloader))
        self._check(runner, loaders)
        if len(loaders) > 1:
            self._check_overlap(loaders[0][1].dataset, loaders[1][1].dataset)

    @staticmethod
    def _check_overlap(train_dataset, val_dataset) -> None:
        """Raise if a sample is in both datasets."""
        train = set(sample_names(train_dataset))
        shared = [name for name in sample_names(val_dataset)
                  if name in train]
        if not shared:
            return
        files = sorted({str(getattr(d, 'ann_file', '')) for d in (
            *leaf_datasets(train_dataset), *leaf_datasets(val_dataset))})
        lines = [f'  {name}' for name in shared[:MAX_LISTED]]
        if len(shared) > MAX_LISTED:
            lines.append(f'  ... and {len(shared) - MAX_LISTED} more')
        raise ValueError(
            f'{len(shared)} samples are in the training and the validation '
            f'datasets both ({", ".join(files)}); the validation would '
            'score samples the model was trained on:\n' + '\n'.join(lines) +
            '\nFix the splits (or the datasets\' split names).')

    def before_test(self, runner) -> None:
        """Check the test dataset."""
        self._check(runner, [('test', runner.test_dataloader)])

    @staticmethod
    def _check(runner, loaders) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        cls_head = getattr(model, 'cls_head', None)
        num_classes = getattr(cls_head, 'num_classes', None)
        lines = []
        for phase, loader in loaders:
            frm_head = getattr(model, 'frm_head', None) \
                if phase == 'train' else None
            for dataset in leaf_datasets(loader.dataset):
                problems = dataset_problems(dataset, num_classes, frm_head)
                if not problems:
                    continue
                lines.append(f'{phase} dataset '
                             f'{getattr(dataset, "ann_file", "")}: '
                             f'{len(problems)} problems:')
                lines += [f'  {sample}: {problem}'
                          for sample, problem in problems[:MAX_LISTED]]
                if len(problems) > MAX_LISTED:
                    lines.append(
                        f'  ... and {len(problems) - MAX_LISTED} more')
        if lines:
            raise ValueError('The datasets do not fit the model:\n' +
                             '\n'.join(lines))


__all__ = [
    'DatasetCheckHook', 'dataset_problems', 'leaf_datasets', 'sample_names'
]
