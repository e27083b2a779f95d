import CFFmpeg

/// Converts decoded frames to packed 8-bit RGB at a given size with swscale, set up exactly as
/// FFmpeg's `scale` filter sets it up (so results match `ffmpeg -vf scale=W:H:flags=bicubic`):
/// bicubic, MPEG-2 chroma siting for yuv420p, the frame's own YUV matrix (BT.601 when
/// unspecified, as FFmpeg) and its colour range (full for JPEG/`yuvj*`, limited otherwise).
final class FrameConverter {
    private struct Key: Equatable {
        var srcW: Int32, srcH: Int32, srcFormat: Int32, colorspace: UInt32, range: UInt32, dstW: Int32, dstH: Int32, flags: Int32
    }
    private var context: OpaquePointer?
    private var key: Key?

    deinit { sws_freeContext(context) }

    /// The frame as RGB `width × height`, or nil when swscale cannot handle its pixel format.
    func convert(_ frame: UnsafePointer<AVFrame>, width: Int, height: Int, flags: Int32 = SWS_BICUBIC) -> RGBImage? {
        let f = frame.pointee
        let k = Key(srcW: f.width, srcH: f.height, srcFormat: f.format, colorspace: f.colorspace.rawValue,
                    range: f.color_range.rawValue, dstW: Int32(width), dstH: Int32(height), flags: flags)
        if key != k {
            sws_freeContext(context)
            context = nil
            key = nil
            let vChrPos: Int32 = f.format == AV_PIX_FMT_YUV420P.rawValue ? 128 : -513
            guard let ctx = litevl_sws_context(f.width, f.height, f.format, Int32(width), Int32(height),
                                               AV_PIX_FMT_RGB24.rawValue, flags, -513, vChrPos) else { return nil }
            // As vf_scale: the input matrix from the frame ("auto"), output table = input table,
            // input range from the frame when it states one.
            var invTable: UnsafeMutablePointer<Int32>?, table: UnsafeMutablePointer<Int32>?
            var srcRange: Int32 = 0, dstRange: Int32 = 0, brightness: Int32 = 0, contrast: Int32 = 0, saturation: Int32 = 0
            sws_getColorspaceDetails(ctx, &invTable, &srcRange, &table, &dstRange, &brightness, &contrast, &saturation)
            let coefficients = sws_getCoefficients(Int32(f.colorspace.rawValue))
            if f.color_range != AVCOL_RANGE_UNSPECIFIED { srcRange = f.color_range == AVCOL_RANGE_JPEG ? 1 : 0 }
            sws_setColorspaceDetails(ctx, coefficients, srcRange, coefficients, dstRange, brightness, contrast, saturation)
            context = ctx
            key = k
        }
        // swscale may write a little past each row: scale into an aligned, padded buffer, then pack.
        let stride = (width * 3 + 63) & ~63
        guard let buffer = av_malloc(stride * (height + 2))?.assumingMemoryBound(to: UInt8.self) else { return nil }
        defer { av_free(buffer) }
        let rows = litevl_sws_scale_frame(context, frame, buffer, Int32(stride))
        guard rows == Int32(height) else { return nil }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                (out.baseAddress! + y * width * 3).update(from: buffer + y * stride, count: width * 3)
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
