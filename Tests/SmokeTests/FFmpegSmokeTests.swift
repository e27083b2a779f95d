import CFFmpeg
import Foundation
import Testing

@Suite("FFmpeg is linked and decodes")
struct FFmpegSmokeTests {
    @Test("the first frame of bikes.mp4 decodes to a 640x272 picture with real content")
    func decodesOneFrame() throws {
        litevl_av_log_quiet()
        let path = Paths.clip("bikes.mp4").path
        var format: UnsafeMutablePointer<AVFormatContext>?
        #expect(avformat_open_input(&format, path, nil, nil) == 0, "cannot open \(path)")
        defer { avformat_close_input(&format) }
        #expect(avformat_find_stream_info(format, nil) >= 0)
        var codec: UnsafePointer<AVCodec>?
        let stream = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0)
        try #require(stream >= 0 && codec != nil)
        var context = avcodec_alloc_context3(codec)
        defer { avcodec_free_context(&context) }
        #expect(avcodec_parameters_to_context(context, format!.pointee.streams[Int(stream)]!.pointee.codecpar) >= 0)
        #expect(avcodec_open2(context, codec, nil) == 0)
        var packet = av_packet_alloc()
        var frame = av_frame_alloc()
        defer { av_packet_free(&packet); av_frame_free(&frame) }
        var decoded = false
        while !decoded, av_read_frame(format, packet) >= 0 {
            defer { av_packet_unref(packet) }
            guard packet!.pointee.stream_index == stream else { continue }
            #expect(avcodec_send_packet(context, packet) >= 0)
            if avcodec_receive_frame(context, frame) == 0 { decoded = true }
        }
        if !decoded {
            avcodec_send_packet(context, nil)
            decoded = avcodec_receive_frame(context, frame) == 0
        }
        try #require(decoded)
        #expect(frame!.pointee.width == 640)
        #expect(frame!.pointee.height == 272)
        // The luma plane of a street scene is not flat.
        let luma = frame!.pointee.data.0!
        let rowStride = Int(frame!.pointee.linesize.0)
        var lo = 255, hi = 0
        for y in stride(from: 0, to: 272, by: 8) {
            for x in stride(from: 0, to: 640, by: 8) { let v = Int(luma[y * rowStride + x]); lo = min(lo, v); hi = max(hi, v) }
        }
        #expect(hi - lo > 100, "luma range \(lo)...\(hi) looks like a blank frame")
    }
}
