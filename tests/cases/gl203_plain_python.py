"""GL203 stays quiet in plain Python that never imports torch: `.weight` of an object not known to
be a module is a number here (a dataset split's share)."""
from collections import namedtuple

Split = namedtuple("Split", ["filename", "weight"])


def split_sizes(items, splits):
    total = sum(split.weight for split in splits)
    return [int(len(items) * split.weight / total) for split in splits]

