"""The one error type onnx-mlc raises for bad or unsupported input."""


class OnnxMlcError(Exception):
    """A model, an option or an input that onnx-mlc cannot handle.

    The message is meant for the user: for a model it names the node, op,
    domain and opset of every problem found, one per line.
    """


class InputError(OnnxMlcError, ValueError):
    """Inputs passed to a compiled model do not match its signature."""
