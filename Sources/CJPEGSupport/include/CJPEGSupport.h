#ifndef CJPEGSUPPORT_H
#define CJPEGSUPPORT_H

#include <stddef.h>

/// Decoded JPEG samples: 8-bit gray (1 channel) or RGB (3 channels), interleaved rows.
typedef struct {
    unsigned int width;
    unsigned int height;
    int channels;
    /// width * height * channels bytes; free with ncjpeg_free.
    unsigned char *pixels;
} ncjpeg_image;

/// Decodes a baseline or progressive JPEG held in memory with libjpeg's defaults (accurate integer
/// IDCT, fancy upsampling): the samples djpeg and Pillow produce. Returns 0 on success; otherwise
/// nonzero with a message. A truncated stream is an error. longjmp stays inside the implementation.
int ncjpeg_decode(const unsigned char *data, size_t size, size_t max_pixels, ncjpeg_image *out,
                  char *message, size_t message_size);

void ncjpeg_free(void *pointer);

#endif
