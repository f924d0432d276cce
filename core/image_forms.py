"""The admin's image upload form (WAGTAILIMAGES_IMAGE_FORM_BASE), single and multiple upload.

Wagtail recognises an image by its first bytes, then asks Pillow for its size: a file that
starts like a GIF but is not one (a polyglot) made that a server error. Here a file is an image
only if Pillow can open it and decode it, so what is stored can always be resized later."""

from django.core.exceptions import ValidationError
from PIL import Image as PILImage
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm


class DecodedImageField(WagtailImageField):
    def to_python(self, data):
        try:
            upload = super().to_python(data)
        except ValidationError:
            raise
        except Exception as exc:  # whatever Pillow raises, the file is not an image
            raise self.not_an_image() from exc
        if upload is not None:
            self.check_decodes(upload)
        return upload

    def not_an_image(self) -> ValidationError:
        return ValidationError(self.error_messages["invalid_image"], code="invalid_image")

    def check_decodes(self, upload) -> None:
        # Wagtail has already checked the type, file size and pixel count.
        if upload.image.format_name == "svg":
            return
        upload.seek(0)
        try:
            with PILImage.open(upload) as image:
                image.load()
        except Exception as exc:
            raise self.not_an_image() from exc
        finally:
            upload.seek(0)


class ImageForm(BaseImageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The multiple uploader's edit form has no file field.
        if field := self.fields.get("file"):
            self.fields["file"] = DecodedImageField(
                label=field.label, required=field.required, widget=field.widget
            )
