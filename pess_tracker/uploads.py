"""Uploads never touch the disk: no temporary file can be left behind.

Django writes an upload larger than FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file, which stays in
the temp folder if the worker is killed mid-request (gunicorn's timeout, a restart). The only upload
of the project is a sign-in sheet of at most IMPORT_MAX_BYTES, so every upload is kept in memory up
to IMPORT_MAX_BYTES + 1 bytes and the rest is read and discarded: the import page sees a file one
byte over the limit and refuses it with its message. (The reverse proxy limits request bodies too.)
"""

from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class BoundedMemoryUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.limit = settings.IMPORT_MAX_BYTES + 1
        self.buffer = BytesIO()

    def receive_data_chunk(self, raw_data, start):
        room = self.limit - self.buffer.tell()
        if room > 0:
            self.buffer.write(raw_data[:room])
        return None  # nothing for a later handler: this one keeps the file

    def file_complete(self, file_size):
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.buffer.getbuffer().nbytes,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
