#ifndef THINKEDIT_CODECS_H
#define THINKEDIT_CODECS_H

// The C side of ThinkEditImaging. libjpeg and libpng report fatal errors by calling an error
// handler that must not return; the only way back is longjmp to a setjmp taken in C, which Swift
// cannot do. Every entry point here owns its setjmp, turns the failure into a te_result, frees
// what it allocated, and never prints.
//
// Pixels cross this boundary as tightly packed 8-bit RGB rows (width * 3 bytes per row). Output
// rasters are allocated by the caller after reading the header, so the caller decides whether an
// image is too large before any pixel memory exists.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    TE_OK = 0,
    /// The data ended before the image did.
    TE_TRUNCATED = 1,
    /// The data is not a valid stream of its format (bad marker, bad CRC, bad Huffman code...).
    TE_CORRUPT = 2,
    /// A valid stream this module does not handle (e.g. a 2-component JPEG).
    TE_UNSUPPORTED = 3,
    /// malloc failed.
    TE_NO_MEMORY = 4,
    /// The caller passed sizes that do not match the stream (a bug on the Swift side).
    TE_BAD_ARGUMENT = 5,
};

#define TE_MESSAGE_CAPACITY 160

/// Status plus the library's own words for what went wrong (empty on success).
typedef struct te_result {
    int status;
    char message[TE_MESSAGE_CAPACITY];
} te_result;

// MARK: JPEG

enum { TE_JPEG_GRAY = 1, TE_JPEG_COLOR = 3, TE_JPEG_CMYK = 4 };

typedef struct te_jpeg_header {
    int width;
    int height;
    /// TE_JPEG_GRAY, TE_JPEG_COLOR (YCbCr or RGB) or TE_JPEG_CMYK (CMYK or YCCK).
    int color_kind;
    int progressive;
    /// The size a decode with the requested scale denominator produces.
    int scaled_width;
    int scaled_height;
} te_jpeg_header;

/// Reads the markers up to the first scan. `scale_denom` is 1, 2, 4 or 8 (DCT-domain scaling).
te_result te_jpeg_read_header(const uint8_t *data, size_t size, int scale_denom, te_jpeg_header *header);

/// Decodes to RGB8 at 1/scale_denom. `width` and `height` must be the scaled size the header
/// reported; `rgb` holds width * height * 3 bytes. Premature end of data and corrupt-data warnings
/// are errors, not silently grey pixels.
te_result te_jpeg_decode(const uint8_t *data, size_t size, int scale_denom,
                         uint8_t *rgb, int width, int height);

/// Walks the segments from SOI to EOI without decoding: every segment fits in the data, a frame
/// header comes before the first scan, entropy-coded data holds only stuffed zeros and restart
/// markers, and EOI ends the image (bytes after it are ignored, as decoders do). Refuses a cut
/// file as TE_TRUNCATED and a broken structure as TE_CORRUPT, naming the byte.
te_result te_jpeg_walk(const uint8_t *data, size_t size);

/// te_jpeg_decode of the first `rows` rows only (`rgb` holds min(rows, height) * width * 3
/// bytes), then stops: the headers, tables and the start of the entropy-coded data are checked
/// without decoding the rest. A progressive JPEG is still read whole (libjpeg gathers every scan
/// before the first row).
te_result te_jpeg_decode_rows(const uint8_t *data, size_t size, int scale_denom,
                              uint8_t *rgb, int width, int height, int rows);

/// Baseline JPEG, standard tables scaled by `quality` (1...100), chroma subsampled 4:2:0 when
/// `subsample_chroma` is non-zero, else kept at full resolution (4:4:4). On success `*out` is a
/// malloc'd buffer of `*out_size` bytes that the caller releases with te_free.
te_result te_jpeg_encode(const uint8_t *rgb, int width, int height, int quality, int subsample_chroma,
                         uint8_t **out, size_t *out_size);

// MARK: PNG

typedef struct te_png_header {
    int width;
    int height;
    int bit_depth;
    /// PNG colour type: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA.
    int color_type;
    int interlaced;
    /// Non-zero when the decoded image carries alpha (an alpha channel or a tRNS chunk).
    int has_alpha;
} te_png_header;

/// Reads the chunks before the image data.
te_result te_png_read_header(const uint8_t *data, size_t size, te_png_header *header);

/// Decodes any PNG to RGB8: 16-bit samples are rounded to 8, palette and gray expanded, and alpha
/// (channel or tRNS) composited over (bg_r, bg_g, bg_b). The whole file is read, including the
/// chunks after the image data up to IEND, so a CRC error or a missing tail is reported.
te_result te_png_decode(const uint8_t *data, size_t size, uint8_t *rgb, int width, int height,
                        uint8_t bg_r, uint8_t bg_g, uint8_t bg_b);

/// Filter masks for te_png_encode (the PNG_FILTER_* values of png.h).
enum {
    TE_PNG_FILTER_NONE = 0x08,
    TE_PNG_FILTER_SUB = 0x10,
    TE_PNG_FILTER_UP = 0x20,
    TE_PNG_FILTER_AVG = 0x40,
    TE_PNG_FILTER_PAETH = 0x80,
    TE_PNG_FILTER_ALL = 0xf8,
};

/// 8-bit RGB PNG, not interlaced, zlib level 0...9, row filters chosen from `filter_mask` (libpng
/// picks per row when several are allowed). Output as for te_jpeg_encode.
te_result te_png_encode(const uint8_t *rgb, int width, int height, int compression_level,
                        int filter_mask, uint8_t **out, size_t *out_size);

/// Releases a buffer returned by an encoder.
void te_free(void *pointer);

/// zlib's CRC-32 of `size` bytes (the checksum of every PNG chunk).
uint32_t te_crc32(const uint8_t *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif
