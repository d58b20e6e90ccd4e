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
    // With no background colour, libpng composites onto what the buffer
    // already holds: it must start zeroed (black), or an image with alpha
    // reads differently on every run.
    int colour = (img.format & PNG_FORMAT_FLAG_COLOR) != 0;
    img.format = colour ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    size_t size = PNG_IMAGE_SIZE(img);
    uint8_t *buf = calloc(1, size);
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

static void png_write_error(png_structp png, png_const_charp message) {
    char *err = (char *)png_get_error_ptr(png);
    if (err) snprintf(err, 256, "%s", message);
    png_longjmp(png, 1);
}

/* The full libpng API rather than png_image_write_to_file: it can set the
 * zlib level. Level 3 writes a heatmap about three times faster than the
 * default 6 for files about a tenth larger; at 6, compression was most of a
 * batch's time with --heatmaps. */
int timg_write_png(const char *path, const uint8_t *pixels, uint32_t width, uint32_t height,
                   uint32_t channels, char *err, size_t errlen) {
    char message[256] = "";
    FILE *file = fopen(path, "wb");
    if (!file) {
        set_err(err, errlen, "cannot open the file for writing");
        return -1;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, message, png_write_error, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, NULL);
        fclose(file);
        set_err(err, errlen, "out of memory");
        return -1;
    }
    // volatile: modified after setjmp and read after a longjmp back to it.
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(rows);
        fclose(file);
        set_err(err, errlen, message[0] ? message : "libpng error");
        return -1;
    }
    png_init_io(png, file);
    int type = channels == 4 ? PNG_COLOR_TYPE_RGB_ALPHA : channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY;
    png_set_IHDR(png, info, width, height, 8, type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 3);
    png_write_info(png, info);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (!rows) png_error(png, "out of memory");
    for (uint32_t y = 0; y < height; ++y) rows[y] = (png_bytep)(pixels + (size_t)y * width * channels);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    if (fclose(file) != 0) {
        set_err(err, errlen, "cannot finish writing the file");
        return -1;
    }
    return 0;
}
