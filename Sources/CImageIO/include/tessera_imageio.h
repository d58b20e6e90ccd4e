// PNG (libpng) and JPEG (libjpeg-turbo) reading and PNG writing, as a plain C
// API. libjpeg reports errors by longjmp, which Swift cannot cross, so the
// codecs stay in C and hand back status codes.
#ifndef TESSERA_IMAGEIO_H
#define TESSERA_IMAGEIO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Decoded 8-bit image: `channels` is 1 (gray) or 3 (RGB), row-major,
/// interleaved. Free `pixels` with timg_free.
typedef struct {
    uint32_t width;
    uint32_t height;
    uint32_t channels;
    uint8_t *pixels;
} timg_image;

/// 0 on success; otherwise -1 with a message in err.
int timg_read_png(const char *path, uint64_t maxPixels, timg_image *out, char *err, size_t errlen);
int timg_read_jpeg(const char *path, uint64_t maxPixels, timg_image *out, char *err, size_t errlen);
/// Writes 8-bit gray (1), RGB (3) or RGBA (4) pixels as PNG.
int timg_write_png(const char *path, const uint8_t *pixels, uint32_t width, uint32_t height,
                   uint32_t channels, char *err, size_t errlen);
void timg_free(timg_image *image);

#ifdef __cplusplus
}
#endif
#endif
