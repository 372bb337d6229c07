"""Imports TensorFlow, but also a project module that uses torch: analysed as torch code."""
import tensorflow as tf

from torch_models import build


def evaluate(val_x):
    model = build()
    model.eval()
    return model(val_x).argmax(1)  # expect: GL101


def to_tf(t):
    return tf.constant(t)
