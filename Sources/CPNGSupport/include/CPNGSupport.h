#ifndef CPNGSUPPORT_H
#define CPNGSUPPORT_H

#include <stddef.h>

/// Raw PNG samples after normalisation to 1..4 channels of 8 or 16 bits (16-bit samples big-endian,
/// as stored in the file). Gamma is never applied: samples are the file's integers.
typedef struct {
    unsigned int width;
    unsigned int height;
    /// 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA (alpha removed when strip_alpha was set).
    int channels;
    /// 8 or 16.
    int bit_depth;
    /// Nonzero when the file carries transparency (alpha channel or tRNS chunk).
    int had_alpha;
    /// Rows of width * channels * bit_depth / 8 bytes; free with ncpng_free.
    unsigned char *pixels;
} ncpng_image;

/// Decodes a PNG held in memory. Returns 0 on success; otherwise nonzero with a message in `message`.
/// libpng's longjmp-based error handling stays inside the C implementation.
int ncpng_decode(const unsigned char *data, size_t size, int strip_alpha, size_t max_pixels,
                 ncpng_image *out, char *message, size_t message_size);

/// Encodes rows of `channels` (1 or 3) samples of `bit_depth` (8 or 16, big-endian) to PNG.
/// On success returns 0 and sets *out (free with ncpng_free) and *out_size.
int ncpng_encode(const unsigned char *pixels, unsigned int width, unsigned int height, int channels,
                 int bit_depth, unsigned char **out, size_t *out_size, char *message, size_t message_size);

void ncpng_free(void *pointer);

#endif
