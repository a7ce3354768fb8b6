// JPEG decoding through libjpeg(-turbo). libjpeg reports fatal errors through error_exit, which must
// not return: it longjmps back into ncjpeg_decode, so no Swift frame is ever skipped.
#include "CJPEGSupport.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf escape;
    int truncated;
    char *message;
    size_t message_size;
} error_manager;

static void record_message(char *message, size_t message_size, const char *text) {
    if (message == NULL || message_size == 0) return;
    strncpy(message, text, message_size - 1);
    message[message_size - 1] = '\0';
}

static void on_error_exit(j_common_ptr info) {
    error_manager *errors = (error_manager *)info->err;
    char text[JMSG_LENGTH_MAX];
    errors->base.format_message(info, text);
    record_message(errors->message, errors->message_size, text);
    longjmp(errors->escape, 1);
}

/// Warnings are silent, except that a premature end of data is remembered (and reported as an error).
static void on_message(j_common_ptr info, int level) {
    error_manager *errors = (error_manager *)info->err;
    if (level < 0 && errors->base.msg_code == JWRN_JPEG_EOF) errors->truncated = 1;
}

int ncjpeg_decode(const unsigned char *data, size_t size, size_t max_pixels, ncjpeg_image *out,
                  char *message, size_t message_size) {
    memset(out, 0, sizeof(*out));
    record_message(message, message_size, "");
    struct jpeg_decompress_struct info;
    error_manager errors;
    info.err = jpeg_std_error(&errors.base);
    errors.base.error_exit = on_error_exit;
    errors.base.emit_message = on_message;
    errors.truncated = 0;
    errors.message = message;
    errors.message_size = message_size;
    if (setjmp(errors.escape)) {
        jpeg_destroy_decompress(&info);
        free(out->pixels);
        out->pixels = NULL;
        return 1;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    if (info.num_components == 1) {
        info.out_color_space = JCS_GRAYSCALE;
    } else if (info.jpeg_color_space == JCS_YCbCr || info.jpeg_color_space == JCS_RGB) {
        info.out_color_space = JCS_RGB;
    } else {
        record_message(message, message_size, "CMYK/YCCK JPEG is not supported");
        jpeg_destroy_decompress(&info);
        return 1;
    }
    jpeg_start_decompress(&info);
    size_t width = info.output_width, height = info.output_height, channels = (size_t)info.output_components;
    if (width == 0 || height == 0 || width > max_pixels / height) {
        record_message(message, message_size, "image is larger than this program accepts");
        jpeg_destroy_decompress(&info);
        return 1;
    }
    out->pixels = (unsigned char *)malloc(width * height * channels);
    if (out->pixels == NULL) {
        record_message(message, message_size, "out of memory");
        jpeg_destroy_decompress(&info);
        return 1;
    }
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = out->pixels + (size_t)info.output_scanline * width * channels;
        jpeg_read_scanlines(&info, &row, 1);
    }
    if (errors.truncated) {
        record_message(message, message_size, "file is truncated (premature end of JPEG data)");
        jpeg_destroy_decompress(&info);
        free(out->pixels);
        out->pixels = NULL;
        return 1;
    }
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    out->width = (unsigned int)width;
    out->height = (unsigned int)height;
    out->channels = (int)channels;
    return 0;
}

void ncjpeg_free(void *pointer) { free(pointer); }
