from .utils import smart_inference_mode as smart_inference_mode
