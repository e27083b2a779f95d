import CFFmpeg

/// PNG through FFmpeg's own codec (`AV_CODEC_ID_PNG`): an ``RGBImage`` becomes the bytes of an
/// 8-bit RGB (`rgb24`) PNG, deflate-compressed by libavcodec (zlib) with its per-row filter choice,
/// and PNG bytes decode back to an ``RGBImage``.
///
/// Text entries (e.g. a frame's timestamp) become `tEXt` chunks right after `IHDR` (Latin-1; other
/// characters become `?`), checksummed with libavutil's CRC-32: FFmpeg's encoder (5.1) does not write
/// frame metadata itself.
///
/// Each call opens its own codec context, so the encoder may be used from any number of threads.
public enum PNGEncoder {
    /// Why an image could not be encoded or decoded.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The PNG bytes of `image`. Throws when the image is empty or FFmpeg has no PNG encoder.
    public static func encode(_ image: RGBImage, text: [(key: String, value: String)] = []) throws(Failure) -> [UInt8] {
        guard image.width > 0, image.height > 0, image.width <= 65535, image.height <= 65535 else {
            throw Failure(message: "cannot write a \(image.width)x\(image.height) PNG")
        }
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_PNG) else {
            throw Failure(message: "this FFmpeg build has no PNG encoder")
        }
        guard let ctx = avcodec_alloc_context3(codec) else { throw Failure(message: "out of memory") }
        defer { var c: UnsafeMutablePointer<AVCodecContext>? = ctx; avcodec_free_context(&c) }
        ctx.pointee.width = Int32(image.width)
        ctx.pointee.height = Int32(image.height)
        ctx.pointee.pix_fmt = AV_PIX_FMT_RGB24
        ctx.pointee.time_base = AVRational(num: 1, den: 25)
        ctx.pointee.thread_count = 1
        // Per-row filter choice (as libpng does): a third the size of unfiltered rows on video frames.
        if let priv = ctx.pointee.priv_data { av_opt_set(priv, "pred", "mixed", 0) }
        var r = avcodec_open2(ctx, codec, nil)
        guard r >= 0 else { throw Failure(message: "cannot open FFmpeg's PNG encoder: \(errorString(r))") }

        guard let frame = av_frame_alloc() else { throw Failure(message: "out of memory") }
        defer { var f: UnsafeMutablePointer<AVFrame>? = frame; av_frame_free(&f) }
        frame.pointee.width = Int32(image.width)
        frame.pointee.height = Int32(image.height)
        frame.pointee.format = AV_PIX_FMT_RGB24.rawValue
        frame.pointee.pts = 0
        r = av_frame_get_buffer(frame, 0)
        guard r >= 0 else { throw Failure(message: "cannot allocate a \(image.width)x\(image.height) frame: \(errorString(r))") }
        let rowBytes = image.width * 3
        let stride = Int(frame.pointee.linesize.0)
        guard let plane = frame.pointee.data.0 else { throw Failure(message: "out of memory") }
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<image.height {
                (plane + y * stride).update(from: src.baseAddress! + y * rowBytes, count: rowBytes)
            }
        }
        guard let packet = av_packet_alloc() else { throw Failure(message: "out of memory") }
        defer { var p: UnsafeMutablePointer<AVPacket>? = packet; av_packet_free(&p) }
        r = avcodec_send_frame(ctx, frame)
        guard r >= 0 else { throw Failure(message: "FFmpeg's PNG encoder refused the frame: \(errorString(r))") }
        r = avcodec_send_frame(ctx, nil)
        guard r >= 0 else { throw Failure(message: "FFmpeg's PNG encoder could not finish: \(errorString(r))") }
        r = avcodec_receive_packet(ctx, packet)
        guard r >= 0, let data = packet.pointee.data, packet.pointee.size > 0 else {
            throw Failure(message: "FFmpeg's PNG encoder produced nothing: \(errorString(r))")
        }
        let png = Array(UnsafeBufferPointer(start: data, count: Int(packet.pointee.size)))
        return text.isEmpty ? png : withText(png, text)
    }

    /// `png` with `tEXt` chunks inserted after its `IHDR` chunk (signature 8 bytes + IHDR 25 bytes).
    static func withText(_ png: [UInt8], _ text: [(key: String, value: String)]) -> [UInt8] {
        let afterHeader = 33
        guard png.count > afterHeader, Array(png[12..<16]) == Array("IHDR".utf8) else { return png }
        var chunks: [UInt8] = []
        for (key, value) in text {
            let k = latin1(key, limit: 79), v = latin1(value, limit: 4096)
            guard !k.isEmpty else { continue }
            let body = Array("tEXt".utf8) + k + [0] + v
            appendBigEndian(&chunks, UInt32(body.count - 4))
            chunks += body
            appendBigEndian(&chunks, crc32(body))
        }
        return Array(png[..<afterHeader]) + chunks + Array(png[afterHeader...])
    }

    /// CRC-32 as PNG chunks use it (ISO 3309), from libavutil.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        let table = av_crc_get_table(AV_CRC_32_IEEE_LE)
        return bytes.withUnsafeBufferPointer { av_crc(table, 0xFFFF_FFFF, $0.baseAddress, $0.count) } ^ 0xFFFF_FFFF
    }

    static func appendBigEndian(_ out: inout [UInt8], _ v: UInt32) {
        out += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    /// Decodes PNG bytes with FFmpeg's PNG decoder into 8-bit RGB (any PNG colour type or depth is
    /// converted with swscale).
    public static func decode(_ bytes: [UInt8]) throws(Failure) -> RGBImage {
        guard !bytes.isEmpty else { throw Failure(message: "no PNG data") }
        guard let codec = avcodec_find_decoder(AV_CODEC_ID_PNG) else { throw Failure(message: "this FFmpeg build has no PNG decoder") }
        guard let ctx = avcodec_alloc_context3(codec) else { throw Failure(message: "out of memory") }
        defer { var c: UnsafeMutablePointer<AVCodecContext>? = ctx; avcodec_free_context(&c) }
        ctx.pointee.thread_count = 1
        var r = avcodec_open2(ctx, codec, nil)
        guard r >= 0 else { throw Failure(message: "cannot open FFmpeg's PNG decoder: \(errorString(r))") }
        guard let packet = av_packet_alloc() else { throw Failure(message: "out of memory") }
        defer { var p: UnsafeMutablePointer<AVPacket>? = packet; av_packet_free(&p) }
        r = av_new_packet(packet, Int32(bytes.count))
        guard r >= 0, let dst = packet.pointee.data else { throw Failure(message: "out of memory") }
        bytes.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: bytes.count) }
        guard let frame = av_frame_alloc() else { throw Failure(message: "out of memory") }
        defer { var f: UnsafeMutablePointer<AVFrame>? = frame; av_frame_free(&f) }
        r = avcodec_send_packet(ctx, packet)
        if r >= 0 { r = avcodec_send_packet(ctx, nil) }
        if r >= 0 || r == litevl_averror_eof() { r = avcodec_receive_frame(ctx, frame) }
        guard r >= 0 else { throw Failure(message: "not a PNG FFmpeg can decode: \(errorString(r))") }
        let w = Int(frame.pointee.width), h = Int(frame.pointee.height)
        guard w > 0, h > 0 else { throw Failure(message: "the PNG is empty") }
        var out = [UInt8](repeating: 0, count: w * h * 3)
        if frame.pointee.format == AV_PIX_FMT_RGB24.rawValue, let plane = frame.pointee.data.0 {
            let stride = Int(frame.pointee.linesize.0)
            out.withUnsafeMutableBufferPointer { o in
                for y in 0..<h { (o.baseAddress! + y * w * 3).update(from: plane + y * stride, count: w * 3) }
            }
        } else {
            guard let sws = sws_getContext(Int32(w), Int32(h), AVPixelFormat(rawValue: frame.pointee.format), Int32(w), Int32(h),
                                           AV_PIX_FMT_RGB24, Int32(SWS_POINT), nil, nil, nil) else {
                throw Failure(message: "cannot convert the PNG's pixel format to RGB")
            }
            defer { sws_freeContext(sws) }
            let scaled = out.withUnsafeMutableBufferPointer { litevl_sws_scale_frame(sws, frame, $0.baseAddress!, Int32(w * 3)) }
            guard scaled == h else { throw Failure(message: "cannot convert the PNG's pixel format to RGB") }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    /// `s` as Latin-1 bytes (other characters and control characters become `?`), cut at `limit` characters.
    static func latin1(_ s: String, limit: Int) -> [UInt8] {
        s.unicodeScalars.prefix(limit).map { u in
            (u.value >= 32 && u.value < 127) || (u.value >= 160 && u.value < 256) ? UInt8(u.value) : UInt8(ascii: "?")
        }
    }
}
