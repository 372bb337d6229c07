"""A recorder base class: its methods hand what subclasses record to a distillation loss."""


class BaseRecorder:
    def __init__(self, source):
        self.source = source
        self._data_buffer = []

    @property
    def data_buffer(self):
        return self._data_buffer

    def get_record_data(self, index=0):
        return self._data_buffer[index]
