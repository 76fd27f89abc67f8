// JPEG through libjpeg(-turbo): the setjmp-owning entry points declared in thinkedit_codecs.h.

#include "te_internal.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

// MARK: Error manager

typedef struct te_jpeg_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int status;
    char message[TE_MESSAGE_CAPACITY];
} te_jpeg_error;

static void te_jpeg_fail(j_common_ptr cinfo, int status) {
    te_jpeg_error *err = (te_jpeg_error *)cinfo->err;
    err->status = status;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->jump, 1);
}

static void te_jpeg_error_exit(j_common_ptr cinfo) {
    te_jpeg_fail(cinfo, TE_CORRUPT);
}

// libjpeg treats a missing tail or damaged entropy data as warnings and goes on producing grey or
// garbled pixels. An import check must not accept such a file, so those warnings abort the decode.
static void te_jpeg_emit_message(j_common_ptr cinfo, int msg_level) {
    if (msg_level >= 0) {
        return;  // trace messages
    }
    switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:
        te_jpeg_fail(cinfo, TE_TRUNCATED);
        break;
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_BOGUS_PROGRESSION:
        te_jpeg_fail(cinfo, TE_CORRUPT);
        break;
    default:
        // Benign warnings (extraneous bytes between markers, odd APP segments) are tolerated, as
        // every common viewer does.
        cinfo->err->num_warnings++;
        break;
    }
}

static void te_jpeg_output_message(j_common_ptr cinfo) {
    (void)cinfo;  // never print
}

static void te_jpeg_install_errors(te_jpeg_error *err) {
    jpeg_std_error(&err->pub);
    err->pub.error_exit = te_jpeg_error_exit;
    err->pub.emit_message = te_jpeg_emit_message;
    err->pub.output_message = te_jpeg_output_message;
    err->status = TE_OK;
    err->message[0] = 0;
}

static int te_valid_denominator(int d) {
    return d == 1 || d == 2 || d == 4 || d == 8;
}

// MARK: Decode

// Reads the header into `cinfo` and sets the output colour space and scale. Must run under the
// caller's setjmp.
static int te_jpeg_prepare(j_decompress_ptr cinfo, const uint8_t *data, size_t size, int scale_denom) {
    jpeg_mem_src(cinfo, data, (unsigned long)size);
    jpeg_read_header(cinfo, TRUE);
    int kind;
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
        kind = TE_JPEG_GRAY;
        cinfo->out_color_space = JCS_RGB;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        kind = TE_JPEG_COLOR;
        cinfo->out_color_space = JCS_RGB;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        kind = TE_JPEG_CMYK;
        cinfo->out_color_space = JCS_CMYK;
        break;
    default:
        return 0;
    }
    cinfo->scale_num = 1;
    cinfo->scale_denom = (unsigned int)scale_denom;
    jpeg_calc_output_dimensions(cinfo);
    return kind;
}

static te_result te_jpeg_read_header_in(te_jpeg_error *err, j_decompress_ptr cinfo, const uint8_t *data, size_t size, int scale_denom, te_jpeg_header *header) {
    te_jpeg_install_errors(err);
    cinfo->err = &err->pub;
    if (setjmp(err->jump)) {
        jpeg_destroy_decompress(cinfo);
        return te_make_result(err->status, err->message);
    }
    jpeg_create_decompress(cinfo);
    int kind = te_jpeg_prepare(cinfo, data, size, scale_denom);
    if (kind == 0) {
        jpeg_destroy_decompress(cinfo);
        return te_make_result(TE_UNSUPPORTED, "unsupported JPEG colour space");
    }
    header->width = (int)cinfo->image_width;
    header->height = (int)cinfo->image_height;
    header->color_kind = kind;
    header->progressive = jpeg_has_multiple_scans(cinfo) ? 1 : 0;
    header->scaled_width = (int)cinfo->output_width;
    header->scaled_height = (int)cinfo->output_height;
    jpeg_destroy_decompress(cinfo);
    return te_make_result(TE_OK, NULL);
}

// Adobe applications write CMYK JPEGs with inverted samples and mark them with an APP14 "Adobe"
// segment; libjpeg reports that as saw_Adobe_marker. Without it the samples are plain CMYK.
static void te_cmyk_row_to_rgb(const uint8_t *cmyk, uint8_t *rgb, int width, int inverted) {
    for (int x = 0; x < width; x++) {
        unsigned c = cmyk[4 * x], m = cmyk[4 * x + 1], y = cmyk[4 * x + 2], k = cmyk[4 * x + 3];
        if (!inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        rgb[3 * x] = (uint8_t)((c * k + 127) / 255);
        rgb[3 * x + 1] = (uint8_t)((m * k + 127) / 255);
        rgb[3 * x + 2] = (uint8_t)((y * k + 127) / 255);
    }
}

// Decodes the first `rows` rows (all of them when `rows` >= `height`); `rgb` holds that many.
static te_result te_jpeg_decode_in(te_jpeg_error *err, j_decompress_ptr cinfo, const uint8_t *data, size_t size, int scale_denom,
                                   uint8_t *rgb, int width, int height, int rows) {
    uint8_t *volatile cmyk_row = NULL;
    te_jpeg_install_errors(err);
    cinfo->err = &err->pub;
    if (setjmp(err->jump)) {
        free(cmyk_row);
        jpeg_destroy_decompress(cinfo);
        return te_make_result(err->status, err->message);
    }
    jpeg_create_decompress(cinfo);
    int kind = te_jpeg_prepare(cinfo, data, size, scale_denom);
    if (kind == 0) {
        jpeg_destroy_decompress(cinfo);
        return te_make_result(TE_UNSUPPORTED, "unsupported JPEG colour space");
    }
    if ((int)cinfo->output_width != width || (int)cinfo->output_height != height) {
        jpeg_destroy_decompress(cinfo);
        return te_make_result(TE_BAD_ARGUMENT, "output size does not match the header");
    }
    if (kind == TE_JPEG_CMYK) {
        cmyk_row = malloc((size_t)width * 4);
        if (cmyk_row == NULL) {
            jpeg_destroy_decompress(cinfo);
            return te_make_result(TE_NO_MEMORY, "out of memory for a CMYK row");
        }
    }
    jpeg_start_decompress(cinfo);
    const size_t stride = (size_t)width * 3;
    const unsigned int limit = rows < height ? (unsigned int)rows : cinfo->output_height;
    while (cinfo->output_scanline < limit) {
        unsigned int y = cinfo->output_scanline;
        if (kind == TE_JPEG_CMYK) {
            JSAMPROW row = cmyk_row;
            jpeg_read_scanlines(cinfo, &row, 1);
            te_cmyk_row_to_rgb(cmyk_row, rgb + stride * y, width, cinfo->saw_Adobe_marker);
        } else {
            JSAMPROW rows[4];
            unsigned int count = cinfo->rec_outbuf_height;
            if (count > 4) count = 4;
            if (count > limit - y) count = limit - y;
            for (unsigned int i = 0; i < count; i++) {
                rows[i] = rgb + stride * (y + i);
            }
            jpeg_read_scanlines(cinfo, rows, count);
        }
    }
    if (limit < cinfo->output_height) {
        jpeg_abort_decompress(cinfo);  // the rest is not wanted
    } else {
        // Reads up to EOI, so a file cut after the last scan line is still reported as truncated.
        jpeg_finish_decompress(cinfo);
    }
    free(cmyk_row);
    jpeg_destroy_decompress(cinfo);
    return te_make_result(TE_OK, NULL);
}

// MARK: Structure and bounded decode

// `format` takes the byte offset.
static te_result te_jpeg_problem(int status, const char *format, size_t at) {
    char message[TE_MESSAGE_CAPACITY];
    snprintf(message, sizeof message, format, at);
    return te_make_result(status, message);
}

// `format` takes the marker code, then the byte offset of the marker.
static te_result te_jpeg_marker_problem(int status, const char *format, unsigned code, size_t at) {
    char message[TE_MESSAGE_CAPACITY];
    snprintf(message, sizeof message, format, code, at);
    return te_make_result(status, message);
}

// A frame header (SOFn): C0–CF except DHT (C4), JPG (C8) and DAC (CC).
static int te_jpeg_is_frame(unsigned code) {
    return code >= 0xC0 && code <= 0xCF && code != 0xC4 && code != 0xC8 && code != 0xCC;
}

te_result te_jpeg_walk(const uint8_t *p, size_t n) {
    if (p == NULL || n < 2 || p[0] != 0xFF || p[1] != 0xD8) {
        return te_make_result(TE_CORRUPT, "the data does not start with a JPEG SOI marker");
    }
    size_t at = 2;
    int frames = 0, scans = 0;
    for (;;) {
        // Bytes before a marker are tolerated, as libjpeg tolerates them (a benign warning).
        const uint8_t *ff = at < n ? memchr(p + at, 0xFF, n - at) : NULL;
        if (ff == NULL) {
            return te_jpeg_problem(TE_TRUNCATED, "the JPEG ends at byte %zu, before its EOI marker", n);
        }
        at = (size_t)(ff - p);
        size_t start = at;
        while (at < n && p[at] == 0xFF) at++;  // fill bytes
        if (at >= n) {
            return te_jpeg_problem(TE_TRUNCATED, "the JPEG ends at byte %zu inside a marker, before its EOI marker", n);
        }
        unsigned code = p[at++];
        if (code == 0xD9) {
            if (scans == 0) {
                return te_jpeg_problem(TE_CORRUPT, "the EOI marker at byte %zu comes before any scan", start);
            }
            return te_make_result(TE_OK, NULL);
        }
        if (code == 0x00 || code == 0x01 || (code >= 0xD0 && code <= 0xD7)) {
            continue;  // a stray stuffed zero, TEM or RSTn: no length, nothing to skip
        }
        if (code == 0xD8) {
            return te_jpeg_problem(TE_CORRUPT, "a second SOI marker at byte %zu", start);
        }
        if (n - at < 2) {
            return te_jpeg_marker_problem(TE_TRUNCATED, "the JPEG ends inside the length of marker 0xFF%02X at byte %zu", code, start);
        }
        size_t length = (size_t)p[at] << 8 | p[at + 1];
        if (length < 2) {
            return te_jpeg_marker_problem(TE_CORRUPT, "marker 0xFF%02X at byte %zu gives a length below 2", code, start);
        }
        if (length > n - at) {
            return te_jpeg_marker_problem(TE_TRUNCATED, "the segment of marker 0xFF%02X at byte %zu is longer than the data left", code, start);
        }
        at += length;
        if (te_jpeg_is_frame(code)) {
            frames++;
        }
        if (code != 0xDA) {
            continue;
        }
        if (frames == 0) {
            return te_jpeg_problem(TE_CORRUPT, "the scan at byte %zu comes before any frame header", start);
        }
        scans++;
        // The scan's entropy-coded data runs to the next marker; inside it 0xFF is followed only by
        // a stuffed zero, a restart marker or more 0xFF fill.
        for (;;) {
            const uint8_t *mark = at < n ? memchr(p + at, 0xFF, n - at) : NULL;
            if (mark == NULL || (size_t)(mark - p) + 1 >= n) {
                char message[TE_MESSAGE_CAPACITY];
                snprintf(message, sizeof message, "the JPEG ends at byte %zu, inside the data of the scan that starts at byte %zu, "
                         "before its EOI marker", n, start);
                return te_make_result(TE_TRUNCATED, message);
            }
            at = (size_t)(mark - p);
            unsigned next = p[at + 1];
            if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
                at += 2;
            } else if (next == 0xFF) {
                at += 1;
            } else {
                break;  // the marker after the scan
            }
        }
    }
}

// MARK: Encode

// A growable malloc'd destination. libjpeg's own jpeg_mem_dest leaks its buffer when compression
// aborts, so the buffer lives here, where the error path can free it.
typedef struct te_jpeg_destination {
    struct jpeg_destination_mgr pub;
    uint8_t *buffer;
    size_t capacity;
} te_jpeg_destination;

static void te_dest_init(j_compress_ptr cinfo) {
    te_jpeg_destination *dest = (te_jpeg_destination *)cinfo->dest;
    dest->pub.next_output_byte = dest->buffer;
    dest->pub.free_in_buffer = dest->capacity;
}

static boolean te_dest_empty(j_compress_ptr cinfo) {
    te_jpeg_destination *dest = (te_jpeg_destination *)cinfo->dest;
    size_t used = dest->capacity;  // libjpeg calls this only when the buffer is full
    size_t grown = dest->capacity * 2;
    uint8_t *bigger = realloc(dest->buffer, grown);
    if (bigger == NULL) {
        cinfo->err->msg_code = JERR_OUT_OF_MEMORY;
        cinfo->err->msg_parm.i[0] = 99;
        te_jpeg_fail((j_common_ptr)cinfo, TE_NO_MEMORY);
    }
    dest->buffer = bigger;
    dest->capacity = grown;
    dest->pub.next_output_byte = bigger + used;
    dest->pub.free_in_buffer = grown - used;
    return TRUE;
}

static void te_dest_term(j_compress_ptr cinfo) {
    (void)cinfo;
}

static te_result te_jpeg_encode_in(te_jpeg_error *err, te_jpeg_destination *dest, j_compress_ptr cinfo,
                                   const uint8_t *rgb,
                                   int width, int height, int quality, int subsample_chroma,
                                   uint8_t **out, size_t *out_size) {
    // A typical photo at q90 is ~1/8 of its raw size; start there and double when full.
    dest->capacity = (size_t)width * (size_t)height * 3 / 8 + 4096;
    dest->buffer = malloc(dest->capacity);
    if (dest->buffer == NULL) {
        return te_make_result(TE_NO_MEMORY, "out of memory for the JPEG output");
    }
    te_jpeg_install_errors(err);
    cinfo->err = &err->pub;
    if (setjmp(err->jump)) {
        free(dest->buffer);
        jpeg_destroy_compress(cinfo);
        return te_make_result(err->status, err->message);
    }
    jpeg_create_compress(cinfo);
    dest->pub.init_destination = te_dest_init;
    dest->pub.empty_output_buffer = te_dest_empty;
    dest->pub.term_destination = te_dest_term;
    cinfo->dest = &dest->pub;
    cinfo->image_width = (JDIMENSION)width;
    cinfo->image_height = (JDIMENSION)height;
    cinfo->input_components = 3;
    cinfo->in_color_space = JCS_RGB;
    jpeg_set_defaults(cinfo);
    jpeg_set_quality(cinfo, quality, TRUE);
    if (!subsample_chroma) {
        // jpeg_set_defaults samples luma 2x2 against chroma (4:2:0); equal factors keep chroma whole.
        cinfo->comp_info[0].h_samp_factor = 1;
        cinfo->comp_info[0].v_samp_factor = 1;
    }
    jpeg_start_compress(cinfo, TRUE);
    const size_t stride = (size_t)width * 3;
    while (cinfo->next_scanline < cinfo->image_height) {
        JSAMPROW rows[8];
        unsigned int y = cinfo->next_scanline;
        unsigned int count = cinfo->image_height - y;
        if (count > 8) count = 8;
        for (unsigned int i = 0; i < count; i++) {
            rows[i] = (JSAMPROW)(rgb + stride * (y + i));
        }
        jpeg_write_scanlines(cinfo, rows, count);
    }
    jpeg_finish_compress(cinfo);
    *out = dest->buffer;
    *out_size = dest->capacity - dest->pub.free_in_buffer;
    jpeg_destroy_compress(cinfo);
    return te_make_result(TE_OK, NULL);
}

// MARK: Entry points

// The codec state (written by libjpeg and the handlers, read after longjmp) lives on the heap: C
// only guarantees values after longjmp for objects that are not automatic variables of the function
// that called setjmp.
typedef struct te_jpeg_reader {
    te_jpeg_error err;
    struct jpeg_decompress_struct cinfo;
} te_jpeg_reader;

typedef struct te_jpeg_writer {
    te_jpeg_error err;
    te_jpeg_destination dest;
    struct jpeg_compress_struct cinfo;
} te_jpeg_writer;

te_result te_jpeg_read_header(const uint8_t *data, size_t size, int scale_denom, te_jpeg_header *header) {
    if (data == NULL || !te_valid_denominator(scale_denom) || header == NULL) {
        return te_make_result(TE_BAD_ARGUMENT, "scale denominator must be 1, 2, 4 or 8");
    }
    te_jpeg_reader *reader = calloc(1, sizeof *reader);
    if (reader == NULL) {
        return te_make_result(TE_NO_MEMORY, "out of memory for the JPEG reader");
    }
    te_result result = te_jpeg_read_header_in(&reader->err, &reader->cinfo, data, size, scale_denom, header);
    free(reader);
    return result;
}

te_result te_jpeg_decode(const uint8_t *data, size_t size, int scale_denom,
                         uint8_t *rgb, int width, int height) {
    if (data == NULL || !te_valid_denominator(scale_denom) || rgb == NULL) {
        return te_make_result(TE_BAD_ARGUMENT, "bad scale denominator or output buffer");
    }
    te_jpeg_reader *reader = calloc(1, sizeof *reader);
    if (reader == NULL) {
        return te_make_result(TE_NO_MEMORY, "out of memory for the JPEG reader");
    }
    te_result result = te_jpeg_decode_in(&reader->err, &reader->cinfo, data, size, scale_denom, rgb, width, height, height);
    free(reader);
    return result;
}

te_result te_jpeg_decode_rows(const uint8_t *data, size_t size, int scale_denom,
                             uint8_t *rgb, int width, int height, int rows) {
    if (data == NULL || !te_valid_denominator(scale_denom) || rgb == NULL || rows < 1) {
        return te_make_result(TE_BAD_ARGUMENT, "bad scale denominator, output buffer or row count");
    }
    te_jpeg_reader *reader = calloc(1, sizeof *reader);
    if (reader == NULL) {
        return te_make_result(TE_NO_MEMORY, "out of memory for the JPEG reader");
    }
    te_result result = te_jpeg_decode_in(&reader->err, &reader->cinfo, data, size, scale_denom, rgb, width, height, rows);
    free(reader);
    return result;
}

te_result te_jpeg_encode(const uint8_t *rgb, int width, int height, int quality, int subsample_chroma,
                         uint8_t **out, size_t *out_size) {
    if (rgb == NULL || out == NULL || out_size == NULL || width <= 0 || height <= 0
        || quality < 1 || quality > 100) {
        return te_make_result(TE_BAD_ARGUMENT, "bad image size, quality or output pointer");
    }
    te_jpeg_writer *writer = calloc(1, sizeof *writer);
    if (writer == NULL) {
        return te_make_result(TE_NO_MEMORY, "out of memory for the JPEG writer");
    }
    te_result result = te_jpeg_encode_in(&writer->err, &writer->dest, &writer->cinfo, rgb, width, height,
                                         quality, subsample_chroma, out, out_size);
    free(writer);
    return result;
}
