#include "tessera_imageio.h"

#include <png.h>
#include <jpeglib.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_err(char *err, size_t errlen, const char *msg) {
    if (!err || errlen == 0) return;
    snprintf(err, errlen, "%s", msg);
}

void timg_free(timg_image *image) {
    if (image && image->pixels) { free(image->pixels); image->pixels = NULL; }
}

int timg_read_png(const char *path, uint64_t maxPixels, timg_image *out, char *err, size_t errlen) {
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path)) {
        set_err(err, errlen, img.message);
        return -1;
    }
    if ((uint64_t)img.width * img.height > maxPixels) {
        png_image_free(&img);
        set_err(err, errlen, "image larger than the pixel limit");
        return -1;
    }
    // Colour images become RGB, grey ones grey; alpha is composited on black.
    int colour = (img.format & PNG_FORMAT_FLAG_COLOR) != 0;
    img.format = colour ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    size_t size = PNG_IMAGE_SIZE(img);
    uint8_t *buf = malloc(size);
    if (!buf) { png_image_free(&img); set_err(err, errlen, "out of memory"); return -1; }
    if (!png_image_finish_read(&img, NULL, buf, 0, NULL)) {
        set_err(err, errlen, img.message);
        free(buf);
        return -1;
    }
    out->width = img.width;
    out->height = img.height;
    out->channels = colour ? 3 : 1;
    out->pixels = buf;
    return 0;
}

struct jpeg_error_ctx {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

static void jpeg_fail(j_common_ptr cinfo) {
    struct jpeg_error_ctx *ctx = (struct jpeg_error_ctx *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, ctx->message);
    longjmp(ctx->jump, 1);
}

int timg_read_jpeg(const char *path, uint64_t maxPixels, timg_image *out, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) { set_err(err, errlen, "cannot open file"); return -1; }
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_ctx ctx;
    uint8_t *volatile buf = NULL;
    cinfo.err = jpeg_std_error(&ctx.mgr);
    ctx.mgr.error_exit = jpeg_fail;
    if (setjmp(ctx.jump)) {
        set_err(err, errlen, ctx.message);
        jpeg_destroy_decompress(&cinfo);
        fclose(f);
        free(buf);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, f);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    if ((uint64_t)cinfo.image_width * cinfo.image_height > maxPixels) {
        snprintf(ctx.message, sizeof ctx.message, "image larger than the pixel limit");
        longjmp(ctx.jump, 1);
    }
    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t)cinfo.output_width * cinfo.output_components;
    buf = malloc(stride * cinfo.output_height);
    if (!buf) { snprintf(ctx.message, sizeof ctx.message, "out of memory"); longjmp(ctx.jump, 1); }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = buf + (size_t)cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    out->width = cinfo.output_width;
    out->height = cinfo.output_height;
    out->channels = (uint32_t)cinfo.output_components;
    out->pixels = buf;
    jpeg_destroy_decompress(&cinfo);
    fclose(f);
    return 0;
}

int timg_write_png(const char *path, const uint8_t *pixels, uint32_t width, uint32_t height,
                   uint32_t channels, char *err, size_t errlen) {
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = width;
    img.height = height;
    img.format = channels == 4 ? PNG_FORMAT_RGBA : channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    if (!png_image_write_to_file(&img, path, 0, pixels, 0, NULL)) {
        set_err(err, errlen, img.message);
        return -1;
    }
    return 0;
}
