"""Readers of what the trainer keeps on its model."""
import torch.nn.functional as F


def pseudo_labels(model):
    return model.output.argmax(1)  # the labels only: no value of the graph read on


def distill(student, teacher, x):
    return F.kl_div(student(x).log_softmax(-1), teacher.logits.softmax(-1), reduction="batchmean")
