"""One method, one branch per backend: only the torch branch is torch code."""
import torch


class Similarity:
    def __init__(self, model, model_type):
        self.model = model
        self.model_type = model_type

    def logits(self, inputs):
        if self.model_type == "pt":
            inputs = {k: torch.as_tensor(v) for k, v in inputs.items()}
            self.model.eval()
            outputs = self.model(**inputs)  # expect: GL101
            return outputs.logits.detach().cpu().numpy()
        elif self.model_type == "tf":
            import tensorflow as tf

            # quiet: TensorFlow code (the `.eval()` above is in the other branch anyway)
            inputs = tf.convert_to_tensor(inputs)
            outputs = self.model(inputs)
            return outputs.logits.numpy()
