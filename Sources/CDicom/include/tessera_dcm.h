// Plain C API over DCMTK (and xxHash: a file's content hash comes from the
// same read that parses it). The shim only calls the libraries and copies
// data; every decision (which decoder, what is an error) is made in Swift.
#ifndef TESSERA_DCM_H
#define TESSERA_DCM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tdcm_file tdcm_file;

/// Status codes shared by every call.
enum {
    TDCM_OK = 0,
    TDCM_MISSING = 1,   // attribute or item not present
    TDCM_ERROR = -1     // DCMTK reported an error; the message is in err
};

/// Registers DCMTK's JPEG and JPEG-LS decoders (RLE is decoded in Swift), enables UN-to-known-VR
/// conversion, silences DCMTK's logger and starts loading the data dictionary
/// on a thread of its own. Idempotent and thread-safe; call it before any
/// concurrent use.
void tdcm_initialize(void);

/// Keeps freed frame buffers in the heap (glibc mallopt): frames are
/// allocated and freed at a high rate, and returning them to the kernel
/// costs a page fault per 4 KiB on the next frame.
void tdcm_tune_allocator(void);

/// Loads a file (Part 10, or a raw dataset DCMTK can detect). Elements larger
/// than `maxReadLength` stay on disk and are read on demand, so pixel data is
/// not held in memory. A nonzero `stopTag` (group << 16 | element) stops
/// parsing before the first top-level element at or above it. A non-null
/// `hash128` receives the XXH3-128 of the whole file (canonical, big-endian
/// bytes), computed from the same read.
tdcm_file *tdcm_open(const char *path, uint32_t maxReadLength, uint32_t stopTag,
                     unsigned char *hash128, char *err, size_t errlen);
void tdcm_close(tdcm_file *file);

/// Transfer syntax UID the dataset was read with ("" when unknown).
void tdcm_transfer_syntax(tdcm_file *file, char *out, size_t outlen);
/// 1 when the file has a meta header (group 0002).
int tdcm_has_meta_header(tdcm_file *file);

/// Value of the element at a DCMTK path ("(0028,0010)" or
/// "(5200,9230)[0].(0028,9145)[0].(0028,1053)"), all values joined by '\'.
/// `*needed` receives the full length; TDCM_ERROR when `out` is too small.
int tdcm_get_string(tdcm_file *file, const char *path, char *out, size_t outlen,
                    size_t *needed);
/// Number of values of a 16-bit element (US/SS/OW, e.g. LUT Data).
int tdcm_get_uint16_count(tdcm_file *file, const char *path, size_t *count);
int tdcm_get_uint16_array(tdcm_file *file, const char *path, uint16_t *out,
                          size_t count);
/// Number of items in the sequence at `path`.
int tdcm_item_count(tdcm_file *file, const char *path, uint32_t *count);

/// Pixel Data: presence, encapsulation and the byte length of a native value.
int tdcm_pixel_data_info(tdcm_file *file, int *encapsulated, uint64_t *length,
                         char *err, size_t errlen);
/// Reads `len` bytes of native pixel data at `offset`, in host byte order.
int tdcm_read_native(tdcm_file *file, uint64_t offset, void *buf, uint32_t len,
                     char *err, size_t errlen);
/// Decodes one frame with a registered DCMTK codec (JPEG, JPEG-LS).
/// `colorModel` receives the photometric interpretation of the output.
int tdcm_decode_frame(tdcm_file *file, uint32_t frame, void *buf, uint32_t buflen,
                      char *colorModel, size_t cmlen, char *err, size_t errlen);
/// Encapsulated pixel data: item 0 is the Basic Offset Table, then fragments.
int tdcm_item_count_encapsulated(tdcm_file *file, uint32_t *count, char *err,
                                 size_t errlen);
int tdcm_encapsulated_item_length(tdcm_file *file, uint32_t index, uint32_t *length,
                                  char *err, size_t errlen);
int tdcm_read_encapsulated_item(tdcm_file *file, uint32_t index, void *buf,
                                uint32_t len, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
