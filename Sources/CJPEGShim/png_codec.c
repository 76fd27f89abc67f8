// PNG through libpng's full API: the setjmp-owning entry points declared in thinkedit_codecs.h.
// The simplified png_image_* API would spare the setjmp, but it applies gamma conversions to
// 16-bit files and hides the zlib level and row filters that decide encode speed.

#include "te_internal.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <zlib.h>

uint32_t te_crc32(const uint8_t *data, size_t size) {
    uLong crc = crc32(0L, Z_NULL, 0);
    while (size > 0) {
        uInt n = size > (1u << 30) ? (1u << 30) : (uInt)size;
        crc = crc32(crc, data, n);
        data += n;
        size -= n;
    }
    return (uint32_t)crc;
}

// MARK: Shared error handling

typedef struct te_png_context {
    // Input side.
    const uint8_t *data;
    size_t size;
    size_t position;
    // Output side: a growable malloc'd buffer.
    uint8_t *buffer;
    size_t capacity;
    size_t length;
    int status;
    char message[TE_MESSAGE_CAPACITY];
} te_png_context;

static void te_png_error(png_structp png, png_const_charp message) {
    te_png_context *ctx = png_get_error_ptr(png);
    if (ctx->status == TE_OK) {
        ctx->status = TE_CORRUPT;
    }
    if (ctx->message[0] == 0) {
        snprintf(ctx->message, sizeof ctx->message, "%s", message);
    }
    png_longjmp(png, 1);
}

static void te_png_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;  // never print; ancillary-chunk trouble does not make an image invalid
}

static void te_png_read(png_structp png, png_bytep out, size_t count) {
    te_png_context *ctx = png_get_io_ptr(png);
    if (count > ctx->size - ctx->position) {
        ctx->status = TE_TRUNCATED;
        snprintf(ctx->message, sizeof ctx->message, "data ends at byte %zu, inside a chunk", ctx->size);
        png_error(png, ctx->message);
    }
    memcpy(out, ctx->data + ctx->position, count);
    ctx->position += count;
}

static const uint8_t te_png_signature[8] = {137, 80, 78, 71, 13, 10, 26, 10};

// Creates the read structs, checks the signature and reads the chunks before IDAT. Runs under the
// caller's setjmp.
static void te_png_begin_read(png_structp png, png_infop info, te_png_context *ctx) {
    if (ctx->size < 8 || memcmp(ctx->data, te_png_signature, 8) != 0) {
        png_error(png, "missing PNG signature");
    }
    png_set_read_fn(png, ctx, te_png_read);
    // The caller enforces its own pixel limit on the header; libpng's default cap of 1M rows and
    // columns stays as a second line.
    png_set_crc_action(png, PNG_CRC_DEFAULT, PNG_CRC_DEFAULT);
    png_read_info(png, info);
}

// MARK: Decode

static te_result te_png_read_header_in(te_png_context *ctx, te_png_header *header) {
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, ctx, te_png_error, te_png_warning);
    if (png == NULL) {
        return te_make_result(TE_NO_MEMORY, "out of memory for the PNG reader");
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        return te_make_result(TE_NO_MEMORY, "out of memory for the PNG reader");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return te_make_result(ctx->status, ctx->message);
    }
    te_png_begin_read(png, info, ctx);
    int color_type = png_get_color_type(png, info);
    header->width = (int)png_get_image_width(png, info);
    header->height = (int)png_get_image_height(png, info);
    header->bit_depth = png_get_bit_depth(png, info);
    header->color_type = color_type;
    header->interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
    header->has_alpha = (color_type & PNG_COLOR_MASK_ALPHA) != 0 || png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    png_destroy_read_struct(&png, &info, NULL);
    return te_make_result(TE_OK, NULL);
}

// Straight alpha over an opaque background, rounded to nearest.
static void te_composite_row(const uint8_t *rgba, uint8_t *rgb, int width, const uint8_t bg[3]) {
    for (int x = 0; x < width; x++) {
        unsigned a = rgba[4 * x + 3];
        for (int c = 0; c < 3; c++) {
            unsigned v = rgba[4 * x + c] * a + bg[c] * (255 - a);
            rgb[3 * x + c] = (uint8_t)((v + 127) / 255);
        }
    }
}

static te_result te_png_decode_in(te_png_context *ctx, uint8_t *rgb, int width, int height,
                                  uint8_t bg_r, uint8_t bg_g, uint8_t bg_b) {
    uint8_t *volatile rgba = NULL;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, ctx, te_png_error, te_png_warning);
    if (png == NULL) {
        return te_make_result(TE_NO_MEMORY, "out of memory for the PNG reader");
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        return te_make_result(TE_NO_MEMORY, "out of memory for the PNG reader");
    }
    if (setjmp(png_jmpbuf(png))) {
        free(rgba);
        png_destroy_read_struct(&png, &info, NULL);
        return te_make_result(ctx->status, ctx->message);
    }
    te_png_begin_read(png, info, ctx);
    if ((int)png_get_image_width(png, info) != width || (int)png_get_image_height(png, info) != height) {
        ctx->status = TE_BAD_ARGUMENT;
        png_error(png, "output size does not match the header");
    }
    int color_type = png_get_color_type(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    if (bit_depth == 16) {
        png_set_scale_16(png);  // rounds; strip_16 would truncate
    }
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
    }
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) {
        png_set_expand_gray_1_2_4_to_8(png);
    }
    if (png_get_valid(png, info, PNG_INFO_tRNS)) {
        png_set_tRNS_to_alpha(png);
    }
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) {
        png_set_gray_to_rgb(png);
    }
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    if ((channels != 3 && channels != 4) || png_get_rowbytes(png, info) != (size_t)width * (size_t)channels) {
        ctx->status = TE_UNSUPPORTED;
        png_error(png, "unexpected layout after conversion to 8-bit RGB");
    }
    const size_t stride = (size_t)width * 3;
    const uint8_t background[3] = {bg_r, bg_g, bg_b};
    if (channels == 3) {
        // Rows land directly in the caller's raster; interlaced passes refine the same rows.
        for (int pass = 0; pass < passes; pass++) {
            for (int y = 0; y < height; y++) {
                png_read_row(png, rgb + stride * (size_t)y, NULL);
            }
        }
    } else if (passes == 1) {
        rgba = malloc((size_t)width * 4);
        if (rgba == NULL) {
            ctx->status = TE_NO_MEMORY;
            png_error(png, "out of memory for an RGBA row");
        }
        for (int y = 0; y < height; y++) {
            png_read_row(png, rgba, NULL);
            te_composite_row(rgba, rgb + stride * (size_t)y, width, background);
        }
    } else {
        // Interlaced with alpha: later passes fill in earlier rows, so keep the whole RGBA image.
        rgba = malloc((size_t)width * 4 * (size_t)height);
        if (rgba == NULL) {
            ctx->status = TE_NO_MEMORY;
            png_error(png, "out of memory for an interlaced RGBA image");
        }
        for (int pass = 0; pass < passes; pass++) {
            for (int y = 0; y < height; y++) {
                png_read_row(png, rgba + (size_t)width * 4 * (size_t)y, NULL);
            }
        }
        for (int y = 0; y < height; y++) {
            te_composite_row(rgba + (size_t)width * 4 * (size_t)y, rgb + stride * (size_t)y, width, background);
        }
    }
    png_read_end(png, NULL);
    free(rgba);
    png_destroy_read_struct(&png, &info, NULL);
    return te_make_result(TE_OK, NULL);
}

// Public entry points own the context on the heap: it is written by the error handler and read after
// longjmp, which C only guarantees for objects that are not local to the function calling setjmp.
te_result te_png_read_header(const uint8_t *data, size_t size, te_png_header *header) {
    if (data == NULL || header == NULL) {
        return te_make_result(TE_BAD_ARGUMENT, "no data or no header");
    }
    te_png_context *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL) {
        return te_make_result(TE_NO_MEMORY, "out of memory for the PNG reader");
    }
    ctx->data = data;
    ctx->size = size;
    te_result result = te_png_read_header_in(ctx, header);
    free(ctx);
    return result;
}

te_result te_png_decode(const uint8_t *data, size_t size, uint8_t *rgb, int width, int height,
                        uint8_t bg_r, uint8_t bg_g, uint8_t bg_b) {
    if (data == NULL || rgb == NULL) {
        return te_make_result(TE_BAD_ARGUMENT, "no data or no output buffer");
    }
    te_png_context *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL) {
        return te_make_result(TE_NO_MEMORY, "out of memory for the PNG reader");
    }
    ctx->data = data;
    ctx->size = size;
    te_result result = te_png_decode_in(ctx, rgb, width, height, bg_r, bg_g, bg_b);
    free(ctx);
    return result;
}

// MARK: Encode

static void te_png_write(png_structp png, png_bytep bytes, size_t count) {
    te_png_context *ctx = png_get_io_ptr(png);
    if (count > ctx->capacity - ctx->length) {
        size_t grown = ctx->capacity * 2;
        if (grown < ctx->length + count) {
            grown = ctx->length + count;
        }
        uint8_t *bigger = realloc(ctx->buffer, grown);
        if (bigger == NULL) {
            ctx->status = TE_NO_MEMORY;
            png_error(png, "out of memory for the PNG output");
        }
        ctx->buffer = bigger;
        ctx->capacity = grown;
    }
    memcpy(ctx->buffer + ctx->length, bytes, count);
    ctx->length += count;
}

static void te_png_flush(png_structp png) {
    (void)png;
}

static te_result te_png_encode_in(te_png_context *ctx, const uint8_t *rgb, int width, int height,
                                  int compression_level, int filter_mask, uint8_t **out, size_t *out_size) {
    ctx->capacity = (size_t)width * (size_t)height + 4096;
    ctx->buffer = malloc(ctx->capacity);
    if (ctx->buffer == NULL) {
        return te_make_result(TE_NO_MEMORY, "out of memory for the PNG output");
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, ctx, te_png_error, te_png_warning);
    if (png == NULL) {
        free(ctx->buffer);
        return te_make_result(TE_NO_MEMORY, "out of memory for the PNG writer");
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        free(ctx->buffer);
        return te_make_result(TE_NO_MEMORY, "out of memory for the PNG writer");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(ctx->buffer);
        return te_make_result(ctx->status, ctx->message);
    }
    png_set_write_fn(png, ctx, te_png_write, te_png_flush);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, compression_level);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, filter_mask);
    png_write_info(png, info);
    const size_t stride = (size_t)width * 3;
    for (int y = 0; y < height; y++) {
        png_write_row(png, (png_const_bytep)(rgb + stride * (size_t)y));
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    *out = ctx->buffer;
    *out_size = ctx->length;
    return te_make_result(TE_OK, NULL);
}

te_result te_png_encode(const uint8_t *rgb, int width, int height, int compression_level,
                        int filter_mask, uint8_t **out, size_t *out_size) {
    if (rgb == NULL || out == NULL || out_size == NULL || width <= 0 || height <= 0
        || compression_level < 0 || compression_level > 9
        || (filter_mask & ~TE_PNG_FILTER_ALL) != 0 || filter_mask == 0) {
        return te_make_result(TE_BAD_ARGUMENT, "bad image size, compression level, filter mask or output pointer");
    }
    te_png_context *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL) {
        return te_make_result(TE_NO_MEMORY, "out of memory for the PNG writer");
    }
    te_result result = te_png_encode_in(ctx, rgb, width, height, compression_level, filter_mask, out, out_size);
    free(ctx);
    return result;
}
