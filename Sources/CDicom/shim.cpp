// Thin extern "C" layer over DCMTK: calls and copies, plus a file stream that hashes the bytes DCMTK reads.
#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dctk.h"
#include "dcmtk/dcmdata/dcpath.h"
#include "dcmtk/dcmdata/dcpxitem.h"
#include "dcmtk/dcmdata/dcfcache.h"
#include "dcmtk/dcmdata/dcistrmf.h"
#include "dcmtk/dcmjpeg/djdecode.h"
#include "dcmtk/dcmjpls/djdecode.h"
#include "dcmtk/oflog/oflog.h"

#include <cstdio>
#include <cstring>
#include <malloc.h>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>
#include <thread>

#include "tessera_dcm.h"
#include <xxhash.h>

struct tdcm_file {
    DcmFileFormat format;
    DcmFileCache cache;
};

static void copy_text(char *out, size_t outlen, const std::string &text) {
    if (!out || outlen == 0) return;
    size_t n = text.size() < outlen - 1 ? text.size() : outlen - 1;
    std::memcpy(out, text.data(), n);
    out[n] = 0;
}

// No C++ exception may cross an extern "C" boundary into Swift (that is
// undefined behaviour: in practice std::terminate). Every entry point runs
// its body through this, which turns an exception (std::bad_alloc from a
// hostile length, anything DCMTK throws) into the function's failure value
// and a message.
template <typename T, typename Body>
static T guarded(T failure, char *err, size_t errlen, Body &&body) {
    try {
        return body();
    } catch (const std::exception &e) {
        copy_text(err, errlen, std::string("C++ exception: ") + e.what());
    } catch (...) {
        copy_text(err, errlen, "unexpected C++ exception");
    }
    return failure;
}

template <typename Body>
static void guarded_void(Body &&body) {
    try { body(); } catch (...) {}
}

static int fail(char *err, size_t errlen, const std::string &what, const OFCondition &cond) {
    copy_text(err, errlen, what + ": " + cond.text());
    return TDCM_ERROR;
}

extern "C" void tdcm_initialize(void) {
    guarded_void([&] {
        static std::once_flag once;
        std::call_once(once, [] {
            // Warnings go to typed Swift errors, not to stderr.
            OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
            dcmEnableUnknownVRConversion.set(OFTrue);
            // JPEG and JPEG-LS frames come out colour-by-pixel (interleaved).
            // RLE is decoded in Swift (RLEDecoder.swift): DCMTK's RLE decoder
            // is not registered, so it can never run on untrusted data.
            DJDecoderRegistration::registerCodecs(EDC_photometricInterpretation, EUC_default,
                                                  EPC_colorByPixel);
            DJLSDecoderRegistration::registerCodecs(EJLSUC_default, EJLSPC_colorByPixel);
            // The data dictionary (some 20 ms of text parsing) loads on a thread
            // of its own while the caller parses its command line and collects
            // its inputs. DCMTK creates it under its write lock, so a reader that
            // comes early waits for it. Joined at exit, before DCMTK's destructor
            // (which assumes no thread is inside the dictionary) runs.
            static std::thread loader([] { (void)dcmDataDict.isDictionaryLoaded(); });
            std::atexit([] { if (loader.joinable()) loader.join(); });
        });
    });
}

extern "C" void tdcm_tune_allocator(void) {
    guarded_void([&] {
        mallopt(M_MMAP_THRESHOLD, 64 << 20);
        mallopt(M_TRIM_THRESHOLD, 256 << 20);
    });
}

// The file as DCMTK's file producer reads it, hashed on the way (XXH3-128):
// a batch needs every input's content hash, and this spares it a second
// read of each file. Bytes DCMTK puts back come again and are hashed once;
// bytes it skips (large values left on disk) are read through, not seeked.
class HashingFileProducer : public DcmProducer {
  public:
    explicit HashingFileProducer(const OFFilename &name) : file_(name), state_(XXH3_createState()) {
        if (state_) XXH3_128bits_reset(state_);
    }
    ~HashingFileProducer() override { XXH3_freeState(state_); }
    OFBool good() const override { return file_.good() && state_ != nullptr; }
    OFCondition status() const override { return state_ ? file_.status() : EC_MemoryExhausted; }
    OFBool eos() override { return file_.eos(); }
    offile_off_t avail() override { return file_.avail(); }
    offile_off_t read(void *buf, offile_off_t buflen) override {
        offile_off_t n = file_.read(buf, buflen);
        if (n > 0) absorb(buf, n);
        return n;
    }
    offile_off_t skip(offile_off_t skiplen) override {
        offile_off_t done = 0;
        while (done < skiplen) {
            offile_off_t want = skiplen - done, size = offile_off_t(chunk_.size());
            offile_off_t n = read(chunk_.data(), want < size ? want : size);
            if (n <= 0) break;
            done += n;
        }
        return done;
    }
    void putback(offile_off_t num) override {
        file_.putback(num);
        position_ -= num;
    }
    /// Reads what DCMTK left unread and writes the digest (canonical bytes).
    bool finish(unsigned char digest[16]) {
        while (read(chunk_.data(), offile_off_t(chunk_.size())) > 0) {}
        if (!file_.good()) return false;
        XXH128_canonical_t canonical;
        XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state_));
        std::memcpy(digest, canonical.digest, 16);
        return true;
    }

  private:
    void absorb(const void *buf, offile_off_t n) {
        offile_off_t end = position_ + n;
        if (end > hashed_) {
            offile_off_t fresh = end - hashed_;
            XXH3_128bits_update(state_, static_cast<const char *>(buf) + (n - fresh), size_t(fresh));
            hashed_ = end;
        }
        position_ = end;
    }
    DcmFileProducer file_;
    XXH3_state_t *state_;
    offile_off_t position_ = 0, hashed_ = 0;
    std::vector<char> chunk_ = std::vector<char>(64 << 10);  // on the heap: this lives on a worker's stack
};

// DcmInputFileStream's shape, over the hashing producer.
class HashingInputStream : public DcmInputStream {
  public:
    explicit HashingInputStream(const OFFilename &name) : DcmInputStream(&producer_), producer_(name), name_(name) {}
    DcmInputStreamFactory *newFactory() const override {
        // Values left on disk are read later through a plain file stream.
        return currentProducer() == &producer_ ? new DcmInputFileStreamFactory(name_, tell()) : nullptr;
    }
    bool finish(unsigned char digest[16]) { return producer_.finish(digest); }

  private:
    HashingFileProducer producer_;
    OFFilename name_;
};

extern "C" tdcm_file *tdcm_open(const char *path, uint32_t maxReadLength, uint32_t stopTag,
                                unsigned char *hash128, char *err, size_t errlen) {
    return guarded<tdcm_file *>(nullptr, err, errlen, [&]() -> tdcm_file * {
        tdcm_file *file = new tdcm_file();
        OFCondition cond;
        DcmTagKey stop(Uint16(stopTag >> 16), Uint16(stopTag & 0xFFFF));
        if (hash128 == nullptr) {
            cond = stopTag != 0
                ? file->format.loadFileUntilTag(path, EXS_Unknown, EGL_noChange, maxReadLength, ERM_autoDetect, stop)
                : file->format.loadFile(path, EXS_Unknown, EGL_noChange, maxReadLength, ERM_autoDetect);
        } else {
            // What loadFileUntilTag does, over the hashing stream.
            HashingInputStream stream{OFFilename(path)};
            cond = stream.status();
            if (cond.good()) cond = file->format.clear();
            if (cond.good()) {
                file->format.transferInit();
                cond = stopTag != 0 ? file->format.readUntilTag(stream, EXS_Unknown, EGL_noChange, maxReadLength, stop)
                                    : file->format.read(stream, EXS_Unknown, EGL_noChange, maxReadLength);
                file->format.transferEnd();
            }
            if (cond.good() && !stream.finish(hash128)) cond = EC_InvalidStream;
        }
        if (cond.bad()) {
            copy_text(err, errlen, cond.text());
            delete file;
            return nullptr;
        }
        return file;
    });
}

extern "C" void tdcm_close(tdcm_file *file) { delete file; }

extern "C" void tdcm_transfer_syntax(tdcm_file *file, char *out, size_t outlen) {
    guarded_void([&] {
        DcmXfer xfer(file->format.getDataset()->getOriginalXfer());
        copy_text(out, outlen, xfer.getXfer() == EXS_Unknown ? "" : xfer.getXferID());
    });
}

extern "C" int tdcm_has_meta_header(tdcm_file *file) {
    return guarded<int>(0, nullptr, 0, [&]() -> int {
        DcmMetaInfo *meta = file->format.getMetaInfo();
        return meta != nullptr && meta->card() > 0;
    });
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// "(gggg,eeee)" → group, element. By hand: sscanf was a visible share of a
// batch, at ~100 lookups per file.
static bool parse_top_level_tag(const char *path, unsigned &group, unsigned &element) {
    if (std::strlen(path) != 11 || path[0] != '(' || path[5] != ',' || path[10] != ')') return false;
    group = element = 0;
    for (int i = 1; i <= 4; ++i) {
        int g = hex_digit(path[i]), e = hex_digit(path[i + 5]);
        if (g < 0 || e < 0) return false;
        group = group * 16 + unsigned(g);
        element = element * 16 + unsigned(e);
    }
    return true;
}

// Resolves a DCMTK path to the object at its end; nullptr when absent.
static DcmObject *resolve(tdcm_file *file, const char *path) {
    // Top-level "(gggg,eeee)": a direct search, much cheaper than a path walk.
    unsigned group = 0, element = 0;
    if (parse_top_level_tag(path, group, element)) {
        DcmElement *elem = nullptr;
        DcmTagKey key(OFstatic_cast(Uint16, group), OFstatic_cast(Uint16, element));
        if (file->format.getDataset()->findAndGetElement(key, elem, OFFalse).bad()) return nullptr;
        return elem;
    }
    DcmPathProcessor proc;
    if (proc.findOrCreatePath(file->format.getDataset(), path, OFFalse).bad()) return nullptr;
    OFList<DcmPath *> results;
    if (proc.getResults(results) == 0) return nullptr;
    DcmPathNode *last = results.front()->back();
    return last ? last->m_obj : nullptr;
}

static DcmElement *resolve_element(tdcm_file *file, const char *path) {
    DcmObject *obj = resolve(file, path);
    return (obj && obj->isLeaf()) ? OFstatic_cast(DcmElement *, obj) : nullptr;
}

extern "C" int tdcm_get_string(tdcm_file *file, const char *path, char *out, size_t outlen,
                               size_t *needed) {
    return guarded<int>(TDCM_ERROR, nullptr, 0, [&]() -> int {
        DcmElement *elem = resolve_element(file, path);
        if (!elem) return TDCM_MISSING;
        OFString value;
        if (elem->getLength() > 0) {
            OFCondition cond = elem->getOFStringArray(value, OFTrue);
            if (cond.bad()) return TDCM_ERROR;
        }
        if (needed) *needed = value.length();
        if (value.length() + 1 > outlen) return TDCM_ERROR;
        copy_text(out, outlen, std::string(value.c_str(), value.length()));
        return TDCM_OK;
    });
}

extern "C" int tdcm_get_uint16_count(tdcm_file *file, const char *path, size_t *count) {
    return guarded<int>(TDCM_ERROR, nullptr, 0, [&]() -> int {
        DcmElement *elem = resolve_element(file, path);
        if (!elem) return TDCM_MISSING;
        *count = elem->getLength() / 2;
        return TDCM_OK;
    });
}

extern "C" int tdcm_get_uint16_array(tdcm_file *file, const char *path, uint16_t *out,
                                     size_t count) {
    return guarded<int>(TDCM_ERROR, nullptr, 0, [&]() -> int {
        DcmElement *elem = resolve_element(file, path);
        if (!elem) return TDCM_MISSING;
        if (elem->getLength() / 2 < count) return TDCM_ERROR;
        Uint16 *u16 = nullptr;
        OFCondition cond = elem->getUint16Array(u16);
        if (cond.bad() || !u16) {
            Sint16 *s16 = nullptr;  // SS-encoded LUT data
            cond = elem->getSint16Array(s16);
            if (cond.bad() || !s16) return TDCM_ERROR;
            std::memcpy(out, s16, count * 2);
            return TDCM_OK;
        }
        std::memcpy(out, u16, count * 2);
        return TDCM_OK;
    });
}

extern "C" int tdcm_item_count(tdcm_file *file, const char *path, uint32_t *count) {
    return guarded<int>(TDCM_ERROR, nullptr, 0, [&]() -> int {
        DcmObject *obj = resolve(file, path);
        if (!obj || obj->ident() != EVR_SQ) return TDCM_MISSING;
        *count = OFstatic_cast(DcmSequenceOfItems *, obj)->card();
        return TDCM_OK;
    });
}

static DcmPixelData *pixel_data(tdcm_file *file) {
    DcmElement *elem = nullptr;
    if (file->format.getDataset()->findAndGetElement(DCM_PixelData, elem).bad() || !elem)
        return nullptr;
    if (elem->ident() != EVR_PixelData) return nullptr;
    return OFstatic_cast(DcmPixelData *, elem);
}

static DcmPixelSequence *pixel_sequence(tdcm_file *file, char *err, size_t errlen) {
    DcmPixelData *pd = pixel_data(file);
    if (!pd) { copy_text(err, errlen, "no Pixel Data element"); return nullptr; }
    E_TransferSyntax xfer = EXS_Unknown;
    const DcmRepresentationParameter *param = nullptr;
    pd->getOriginalRepresentationKey(xfer, param);
    DcmPixelSequence *seq = nullptr;
    OFCondition cond = pd->getEncapsulatedRepresentation(xfer, param, seq);
    if (cond.bad() || !seq) {
        fail(err, errlen, "no encapsulated pixel data", cond);
        return nullptr;
    }
    return seq;
}

extern "C" int tdcm_pixel_data_info(tdcm_file *file, int *encapsulated, uint64_t *length,
                                    char *err, size_t errlen) {
    return guarded<int>(TDCM_ERROR, err, errlen, [&]() -> int {
        DcmPixelData *pd = pixel_data(file);
        if (!pd) return TDCM_MISSING;
        DcmXfer xfer(file->format.getDataset()->getOriginalXfer());
        *encapsulated = xfer.isEncapsulated() ? 1 : 0;
        *length = pd->getLength();
        (void)err; (void)errlen;
        return TDCM_OK;
    });
}

extern "C" int tdcm_read_native(tdcm_file *file, uint64_t offset, void *buf, uint32_t len,
                                char *err, size_t errlen) {
    return guarded<int>(TDCM_ERROR, err, errlen, [&]() -> int {
        DcmPixelData *pd = pixel_data(file);
        if (!pd) { copy_text(err, errlen, "no Pixel Data element"); return TDCM_ERROR; }
        if (offset + len > pd->getLength()) {
            copy_text(err, errlen, "read past the end of Pixel Data");
            return TDCM_ERROR;
        }
        OFCondition cond = pd->getPartialValue(buf, OFstatic_cast(Uint32, offset), len, &file->cache);
        return cond.good() ? TDCM_OK : fail(err, errlen, "reading Pixel Data", cond);
    });
}

extern "C" int tdcm_decode_frame(tdcm_file *file, uint32_t frame, void *buf, uint32_t buflen,
                                 char *colorModel, size_t cmlen, char *err, size_t errlen) {
    return guarded<int>(TDCM_ERROR, err, errlen, [&]() -> int {
        DcmPixelData *pd = pixel_data(file);
        if (!pd) { copy_text(err, errlen, "no Pixel Data element"); return TDCM_ERROR; }
        Uint32 startFragment = 0;
        OFString model;
        OFCondition cond = pd->getUncompressedFrame(file->format.getDataset(), frame, startFragment,
                                                    buf, buflen, model, &file->cache);
        if (cond.bad()) return fail(err, errlen, "decoding frame", cond);
        copy_text(colorModel, cmlen, std::string(model.c_str()));
        return TDCM_OK;
    });
}

extern "C" int tdcm_item_count_encapsulated(tdcm_file *file, uint32_t *count, char *err,
                                            size_t errlen) {
    return guarded<int>(TDCM_ERROR, err, errlen, [&]() -> int {
        DcmPixelSequence *seq = pixel_sequence(file, err, errlen);
        if (!seq) return TDCM_ERROR;
        *count = seq->card();
        return TDCM_OK;
    });
}

static DcmPixelItem *encapsulated_item(tdcm_file *file, uint32_t index, char *err, size_t errlen) {
    DcmPixelSequence *seq = pixel_sequence(file, err, errlen);
    if (!seq) return nullptr;
    DcmPixelItem *item = nullptr;
    OFCondition cond = seq->getItem(item, index);
    if (cond.bad() || !item) { fail(err, errlen, "no such fragment", cond); return nullptr; }
    return item;
}

extern "C" int tdcm_encapsulated_item_length(tdcm_file *file, uint32_t index, uint32_t *length,
                                             char *err, size_t errlen) {
    return guarded<int>(TDCM_ERROR, err, errlen, [&]() -> int {
        DcmPixelItem *item = encapsulated_item(file, index, err, errlen);
        if (!item) return TDCM_ERROR;
        *length = item->getLength();
        return TDCM_OK;
    });
}

extern "C" int tdcm_read_encapsulated_item(tdcm_file *file, uint32_t index, void *buf,
                                           uint32_t len, char *err, size_t errlen) {
    return guarded<int>(TDCM_ERROR, err, errlen, [&]() -> int {
        DcmPixelItem *item = encapsulated_item(file, index, err, errlen);
        if (!item) return TDCM_ERROR;
        if (len > item->getLength()) { copy_text(err, errlen, "fragment shorter than requested"); return TDCM_ERROR; }
        if (len == 0) return TDCM_OK;
        OFCondition cond = item->getPartialValue(buf, 0, len, &file->cache);
        return cond.good() ? TDCM_OK : fail(err, errlen, "reading fragment", cond);
    });
}
