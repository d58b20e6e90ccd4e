import COpenJPEG
import Foundation

/// JPEG 2000 (Part 1 and HTJ2K): DCMTK 3.6.7 has no J2K codec, so each frame's
/// codestream is handed to OpenJPEG from memory, on a watchdog thread,
/// because a hostile codestream can keep OpenJPEG busy for a minute.
struct OpenJPEGDecoder: FrameDecoder {
    func decode(frame: Int, file: DicomFile, header: ImageHeader, format: PixelFormat,
                options: DecodeOptions) throws(DicomError) -> RawFrame {
        let codestream = try EncapsulatedFrames(file: file, frames: header.frames).codestream(frame: frame)
        let image: J2KImage
        switch Self.decodeWithTimeLimit(codestream, format: format, seconds: options.j2kFrameTimeLimit, threads: options.j2kThreads) {
        case .none: throw .decodeTimedOut(path: file.path, frame: frame, seconds: options.j2kFrameTimeLimit)
        case .some(.failure(let failure)): throw .decodeFailed(path: file.path, frame: frame, reason: failure.reason)
        case .some(.success(let decoded)): image = decoded
        }
        var samples = image.samples
        // The codestream's own sign can disagree with Pixel Representation
        // (pydicom's J2K_pixelrep_mismatch): trust the DICOM header and
        // reinterpret the codestream's bits at its precision.
        if format.isSigned && !image.signed {
            let shift = Int32(32 - image.precision)
            for i in samples.indices { samples[i] = (samples[i] &<< shift) &>> shift }
        } else if !format.isSigned && image.signed && image.precision < 32 {
            let mask = Int32(bitPattern: UInt32((UInt64(1) << image.precision) - 1))
            for i in samples.indices { samples[i] &= mask }
        }
        // OpenJPEG applies the inverse colour transform for YBR_RCT/YBR_ICT.
        let model = ["YBR_RCT", "YBR_ICT"].contains(format.photometricInterpretation) ? "RGB"
            : format.photometricInterpretation
        return .samples(samples, colorModel: model, signExtended: true)
    }

    /// Decode threads alive at once, abandoned ones included: a batch of
    /// hostile codestreams that each time out cannot pile up threads. A new
    /// decode waits for a slot within its own time limit.
    static let threadSlots = DispatchSemaphore(value: max(2, 2 * ProcessInfo.processInfo.activeProcessorCount))

    /// nil when the time limit passed (waiting for a slot included); the
    /// abandoned decode finishes on its own thread and then frees its slot.
    static func decodeWithTimeLimit(_ codestream: [UInt8], format: PixelFormat,
                                    seconds: Double, threads: Int) -> Result<J2KImage, J2KFailure>? {
        let deadline = DispatchTime.now() + seconds
        guard threadSlots.wait(timeout: deadline) == .success else { return nil }
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.set(J2KCodestream.decode(codestream, rows: format.rows, columns: format.columns,
                                         components: format.samplesPerPixel, threads: threads))
            done.signal()
            threadSlots.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        guard done.wait(timeout: deadline) == .success else { return nil }
        return box.get()
    }

    private final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Result<J2KImage, J2KFailure>?
        func set(_ v: Result<J2KImage, J2KFailure>) { lock.lock(); value = v; lock.unlock() }
        func get() -> Result<J2KImage, J2KFailure>? { lock.lock(); defer { lock.unlock() }; return value }
    }
}

struct J2KFailure: Error, Sendable { let reason: String }

/// A decoded codestream: interleaved samples as OpenJPEG produced them.
struct J2KImage: Sendable {
    let width: Int
    let height: Int
    let components: Int
    let precision: Int
    let signed: Bool
    let samples: [Int32]
}

/// Thin Swift wrapper over OpenJPEG's stream API, reading from memory.
enum J2KCodestream {
    /// (OPJ_SIZE_T)-1, OpenJPEG's end-of-stream answer from a read callback.
    static let endOfStream = OPJ_SIZE_T(bitPattern: UInt(bitPattern: -1))

    private final class Source {
        let bytes: [UInt8]
        var position = 0
        var messages: [String] = []
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    static func decode(_ data: [UInt8], rows: Int, columns: Int, components: Int,
                       threads: Int = 1) -> Result<J2KImage, J2KFailure> {
        guard data.count >= 12 else { return .failure(J2KFailure(reason: "codestream of \(data.count) bytes")) }
        let isJP2 = data[4] == 0x6A && data[5] == 0x50 && data[6] == 0x20 && data[7] == 0x20
        guard let codec = opj_create_decompress(isJP2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K) else {
            return .failure(J2KFailure(reason: "OpenJPEG could not create a decoder"))
        }
        defer { opj_destroy_codec(codec) }
        let source = Source(data)
        guard let stream = makeStream(source) else { return .failure(J2KFailure(reason: "OpenJPEG could not create a stream")) }
        defer { opj_stream_destroy(stream) }
        // OpenJPEG's error messages are collected on the source (the stream
        // keeps it alive) and end up in the failure's reason.
        opj_set_error_handler(codec, { message, user in
            guard let message, let user else { return }
            Unmanaged<Source>.fromOpaque(user).takeUnretainedValue().messages
                .append(String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines))
        }, Unmanaged.passUnretained(source).toOpaque())
        func failure(_ what: String) -> Result<J2KImage, J2KFailure> {
            let detail = source.messages.isEmpty ? "" : ": " + source.messages.joined(separator: "; ")
            return .failure(J2KFailure(reason: what + detail))
        }

        var parameters = opj_dparameters_t()
        opj_set_default_decoder_parameters(&parameters)
        guard opj_setup_decoder(codec, &parameters) != 0 else { return failure("decoder setup failed") }
        if threads > 1 { _ = opj_codec_set_threads(codec, Int32(threads)) }
        var imagePtr: UnsafeMutablePointer<opj_image_t>?
        guard opj_read_header(stream, codec, &imagePtr) != 0, let image = imagePtr else {
            return failure("unreadable J2K header")
        }
        defer { opj_image_destroy(image) }
        // Check the header against the DICOM attributes before OpenJPEG
        // allocates anything: a hostile header may claim gigapixels.
        let width = Int(image.pointee.x1 - image.pointee.x0), height = Int(image.pointee.y1 - image.pointee.y0)
        guard width == columns, height == rows, Int(image.pointee.numcomps) >= components else {
            return failure("codestream is \(width)x\(height)x\(image.pointee.numcomps), DICOM header says \(columns)x\(rows)x\(components)")
        }
        guard opj_decode(codec, stream, image) != 0, opj_end_decompress(codec, stream) != 0 else {
            return failure("decoding failed")
        }
        return interleaved(image.pointee, width: width, height: height, components: components).mapError {
            J2KFailure(reason: $0.reason)
        }
    }

    /// A memory stream over `source.bytes` (the stream holds a reference to it).
    ///
    /// The callbacks keep the semantics of OpenJPEG's own file stream (what
    /// opj_decompress uses, and what its bounds checks assume): a read past
    /// the end returns (OPJ_SIZE_T)-1 and copies nothing. Swift imports
    /// size_t as Int, so that is `endOfStream` (-1), not OPJ_SIZE_T.max:
    /// Int.max read as a byte count made OpenJPEG copy 2^63 bytes from its
    /// buffer (the SIGSEGVs of hostile/). Skip and seek move the position,
    /// past the end too, and report the full amount, failing (-1 / false)
    /// only before the start. OpenJPEG itself stops a skip at the declared length.
    private static func makeStream(_ source: Source) -> UnsafeMutablePointer<opj_stream_t?>? {
        let sourcePtr = Unmanaged.passRetained(source).toOpaque()
        guard let stream = opj_stream_create(1 << 16, 1) else {
            Unmanaged<Source>.fromOpaque(sourcePtr).release()
            return nil
        }
        opj_stream_set_user_data(stream, sourcePtr) { Unmanaged<Source>.fromOpaque($0!).release() }
        opj_stream_set_user_data_length(stream, UInt64(source.bytes.count))
        opj_stream_set_read_function(stream) { buffer, count, user in
            let s = Unmanaged<Source>.fromOpaque(user!).takeUnretainedValue()
            guard let buffer, s.position >= 0, s.position < s.bytes.count, count > 0 else { return J2KCodestream.endOfStream }
            let n = min(Int(count), s.bytes.count - s.position)
            s.bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress! + s.position, byteCount: n) }
            s.position += n
            return OPJ_SIZE_T(n)
        }
        opj_stream_set_skip_function(stream) { n, user in
            let s = Unmanaged<Source>.fromOpaque(user!).takeUnretainedValue()
            guard s.position + Int(n) >= 0 else { return -1 }
            s.position += Int(n)
            return n
        }
        opj_stream_set_seek_function(stream) { pos, user in
            let s = Unmanaged<Source>.fromOpaque(user!).takeUnretainedValue()
            guard pos >= 0 else { return OPJ_FALSE }
            s.position = Int(pos)
            return OPJ_TRUE
        }
        return stream
    }

    /// The decoded components as one colour-by-pixel Int32 buffer; every
    /// component must be at full resolution.
    private static func interleaved(_ image: opj_image_t, width: Int, height: Int,
                                    components: Int) -> Result<J2KImage, J2KFailure> {
        let comps = UnsafeBufferPointer(start: image.comps, count: Int(image.numcomps))
        for c in 0..<components {
            let comp = comps[c]
            guard comp.data != nil, comp.w == UInt32(width), comp.h == UInt32(height) else {
                return .failure(J2KFailure(reason: "component \(c) is subsampled or empty"))
            }
        }
        let pixels = width * height
        var samples = [Int32](repeating: 0, count: pixels * components)
        samples.withUnsafeMutableBufferPointer { out in
            for c in 0..<components {
                let src = comps[c].data!
                if components == 1 {
                    out.baseAddress!.update(from: src, count: pixels)
                } else {
                    for i in 0..<pixels { out[i * components + c] = src[i] }
                }
            }
        }
        return .success(J2KImage(width: width, height: height, components: components,
                                 precision: Int(comps[0].prec), signed: comps[0].sgnd != 0, samples: samples))
    }
}
