import CFFmpeg
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open video file: FFmpeg's demuxer and decoder for its best video stream.
///
/// ```swift
/// let file = try VideoFile.open("clip.mp4")
/// print(file.probe().summary)
/// let clip = try FrameSampler(count: 8, size: 224).sample(file)
/// ```
///
/// Audio, subtitle and data streams are discarded at the demuxer. Not thread-safe: use one
/// `VideoFile` from one thread (or task) at a time. FFmpeg's own logging is silenced, since it
/// would draw over the terminal UI; set `LITEVL_FFMPEG_LOG=info` (or `debug`, `warning`) to see it.
public final class VideoFile {
    /// The path as given to ``open(_:threads:)``.
    public let path: String
    let format: UnsafeMutablePointer<AVFormatContext>
    let codecContext: UnsafeMutablePointer<AVCodecContext>
    let stream: UnsafeMutablePointer<AVStream>
    let streamIndex: Int32
    /// Seconds per stream time-base tick.
    let timeBase: Double
    /// Keyframe times from the container's index, ascending, or nil when the container has none.
    let keyframeTimes: [Double]?
    let deadline: Deadline
    private let info: VideoProbe
    /// True once packets have been read, so sampling must seek back to the start first.
    var hasRead = false
    /// True when packets carry no timestamps (raw elementary streams): sampling then never seeks
    /// by time, and frame times are counted from the frame rate.
    var timestampsUnreliable = false
    /// Byte position of the first packet read, for rewinding formats without timestamps.
    var firstPacketPosition: Int64 = -1

    /// Opens `path` and prepares a decoder for its best video stream.
    ///
    /// - Parameter threads: decoder threads; 0 lets FFmpeg choose (frame + slice threading).
    ///   Output is identical for any thread count.
    /// - Throws: ``VideoError`` for a missing, unreadable, empty or non-video file, an audio-only
    ///   file, or a codec this FFmpeg cannot decode.
    public static func open(_ path: String, threads: Int = 0) throws(VideoError) -> VideoFile {
        try checkFile(path)
        configureLogging()
        let deadline = Deadline()
        deadline.arm(seconds: 60)
        defer { deadline.disarm() }

        guard var fmt = avformat_alloc_context() else { throw .corrupted(path: path, reason: "out of memory") }
        fmt.pointee.interrupt_callback.callback = { opaque in
            guard let opaque else { return 0 }
            return Unmanaged<Deadline>.fromOpaque(opaque).takeUnretainedValue().expired ? 1 : 0
        }
        fmt.pointee.interrupt_callback.opaque = Unmanaged.passUnretained(deadline).toOpaque()
        var fmtOptional: UnsafeMutablePointer<AVFormatContext>? = fmt
        // checkFile has found a regular file: name it with FFmpeg's file protocol, so that a name with a
        // colon ("take:2.mp4") is not read as a protocol.
        let openResult = avformat_open_input(&fmtOptional, "file:" + path, nil, nil)
        if openResult < 0 {
            // avformat_open_input frees the context on failure.
            switch openResult {
            // checkFile found the file present and readable: what FFmpeg could not open is a file a
            // playlist (ffconcat) names. The concat demuxer refuses absolute and unsafe paths.
            case litevl_averror(EACCES), litevl_averror(EPERM):
                throw .notAVideo(path: path, reason: "a playlist FFmpeg refuses to follow: it names an absolute or unsafe path, or a file it cannot read")
            case litevl_averror(ENOENT):
                throw .notAVideo(path: path, reason: "a playlist naming a file that does not exist")
            case litevl_averror_exit(): throw .timedOut(path: path, seconds: 60)
            default: throw .notAVideo(path: path, reason: diagnoseUnrecognised(path, ffmpegError: openResult))
            }
        }
        fmt = fmtOptional!
        var ok = false
        defer { if !ok { var f: UnsafeMutablePointer<AVFormatContext>? = fmt; avformat_close_input(&f) } }

        let infoResult = avformat_find_stream_info(fmt, nil)
        if infoResult < 0 {
            if infoResult == litevl_averror_exit() { throw .timedOut(path: path, seconds: 60) }
            throw .corrupted(path: path, reason: "cannot read stream information: \(errorString(infoResult))")
        }

        // Pick the stream: FFmpeg's choice among real video streams (cover art excluded) that have a decoder.
        var videoStreams: [Int32] = []
        var audioCount = 0
        for i in 0..<Int(fmt.pointee.nb_streams) {
            let st = fmt.pointee.streams[i]!
            switch st.pointee.codecpar.pointee.codec_type {
            case AVMEDIA_TYPE_VIDEO where st.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC == 0:
                videoStreams.append(Int32(i))
            case AVMEDIA_TYPE_AUDIO:
                audioCount += 1
            default:
                break
            }
        }
        if videoStreams.isEmpty {
            throw audioCount > 0 ? .audioOnly(path: path) : .noVideoStream(path: path)
        }
        let decodable = videoStreams.filter { avcodec_find_decoder(fmt.pointee.streams[Int($0)]!.pointee.codecpar.pointee.codec_id) != nil }
        let best = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        let chosen: Int32
        if decodable.contains(best) {
            chosen = best
        } else if let largest = decodable.max(by: { pixelArea(fmt, $0) < pixelArea(fmt, $1) }) {
            chosen = largest
        } else {
            let par = fmt.pointee.streams[Int(videoStreams[0])]!.pointee.codecpar.pointee
            throw .unsupportedCodec(path: path, codec: codecName(par.codec_id, tag: par.codec_tag))
        }
        for i in 0..<Int(fmt.pointee.nb_streams) where Int32(i) != chosen {
            fmt.pointee.streams[i]!.pointee.discard = AVDISCARD_ALL
        }
        let stream = fmt.pointee.streams[Int(chosen)]!
        let par = stream.pointee.codecpar!

        // Decoder.
        let codec = avcodec_find_decoder(par.pointee.codec_id)!
        guard let ctx = avcodec_alloc_context3(codec) else { throw .corrupted(path: path, reason: "out of memory") }
        var ctxOk = false
        defer { if !ctxOk { var c: UnsafeMutablePointer<AVCodecContext>? = ctx; avcodec_free_context(&c) } }
        if avcodec_parameters_to_context(ctx, par) < 0 {
            throw .corrupted(path: path, reason: "invalid codec parameters")
        }
        ctx.pointee.pkt_timebase = stream.pointee.time_base
        ctx.pointee.thread_count = Int32(max(0, threads))
        ctx.pointee.thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE
        let codecOpen = avcodec_open2(ctx, codec, nil)
        if codecOpen < 0 {
            throw .unsupportedCodec(path: path, codec: "\(codecName(par.pointee.codec_id, tag: par.pointee.codec_tag)) (decoder failed: \(errorString(codecOpen)))")
        }

        let file = VideoFile(path: path, format: fmt, codecContext: ctx, stream: stream, streamIndex: chosen,
                             deadline: deadline, videoStreamCount: videoStreams.count, audioStreamCount: audioCount)
        ok = true
        ctxOk = true
        return file
    }

    private init(path: String, format: UnsafeMutablePointer<AVFormatContext>, codecContext: UnsafeMutablePointer<AVCodecContext>,
                 stream: UnsafeMutablePointer<AVStream>, streamIndex: Int32, deadline: Deadline,
                 videoStreamCount: Int, audioStreamCount: Int) {
        self.path = path
        self.format = format
        self.codecContext = codecContext
        self.stream = stream
        self.streamIndex = streamIndex
        self.deadline = deadline
        self.timeBase = av_q2d(stream.pointee.time_base)
        self.keyframeTimes = VideoFile.indexKeyframes(stream)
        var probe = VideoFile.makeProbe(path: path, format: format, stream: stream, streamIndex: Int(streamIndex),
                                        keyframes: keyframeTimes, videoStreamCount: videoStreamCount,
                                        audioStreamCount: audioStreamCount)
        if probe.duration <= 0 {
            // Neither stream nor container states a length: read the packets (no decoding) to find it.
            let scan = VideoFile.scanDuration(format: format, streamIndex: streamIndex, timeBase: timeBase, start: probe.startTime)
            hasRead = true
            firstPacketPosition = scan.firstPosition
            if let end = scan.duration {
                probe.duration = end
                if probe.frameCountIsEstimated { probe.frameCount = VideoFile.frameCount(end * probe.averageFrameRate) }
            } else {
                // No timestamps at all: count packets, one frame each.
                timestampsUnreliable = true
                probe.frameCount = max(1, scan.packets)
                probe.duration = Double(scan.packets) / probe.averageFrameRate
            }
            probe.durationIsEstimated = true
        }
        self.info = probe
        // Re-arm the interrupt callback's owner: `deadline` lives as long as this object.
        format.pointee.interrupt_callback.opaque = Unmanaged.passUnretained(deadline).toOpaque()
    }

    deinit {
        var c: UnsafeMutablePointer<AVCodecContext>? = codecContext
        avcodec_free_context(&c)
        var f: UnsafeMutablePointer<AVFormatContext>? = format
        avformat_close_input(&f)
    }

    /// What the file holds: size, duration, frame rate, codec, rotation...
    public func probe() -> VideoProbe { info }

    /// Opens `path` and returns its probe.
    public static func probe(_ path: String) throws(VideoError) -> VideoProbe {
        try open(path, threads: 1).probe()
    }

    // MARK: - Checks before FFmpeg

    static func checkFile(_ path: String) throws(VideoError) {
        guard !path.isEmpty else { throw .fileNotFound(path: path) }
        var st = stat()
        if stat(path, &st) != 0 {
            switch errno {
            case EACCES: throw .permissionDenied(path: path)
            default: throw .fileNotFound(path: path)
            }
        }
        let kind = st.st_mode & S_IFMT
        switch kind {
        case S_IFREG: break
        case S_IFDIR: throw .notARegularFile(path: path, kind: "directory")
        case S_IFIFO: throw .notARegularFile(path: path, kind: "pipe")
        case S_IFSOCK: throw .notARegularFile(path: path, kind: "socket")
        case S_IFCHR, S_IFBLK: throw .notARegularFile(path: path, kind: "device")
        default: throw .notARegularFile(path: path, kind: "special file")
        }
        if access(path, R_OK) != 0 { throw .permissionDenied(path: path) }
        if st.st_size == 0 { throw .emptyFile(path: path) }
    }

    /// Why FFmpeg might not have recognised the file, from its first bytes.
    static func diagnoseUnrecognised(_ path: String, ffmpegError: Int32) -> String {
        let head = readHead(path, count: 4096)
        if !head.isEmpty && head.allSatisfy({ $0 == 0 }) { return "it contains only zero bytes" }
        if head.count >= 8 && Array(head[4..<8]) == Array("ftyp".utf8) {
            return "an MP4/MOV file without its index (moov atom): truncated, or still being written"
        }
        if head.count >= 4 && Array(head[0..<4]) == [0x1A, 0x45, 0xDF, 0xA3] {
            return "a Matroska/WebM file FFmpeg cannot parse: truncated or damaged"
        }
        let printable = head.filter { ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 || $0 >= 0x80 }
        if !head.isEmpty && printable.count == head.count && String(validatingCString: head.map { CChar(bitPattern: $0) } + [0]) != nil {
            return "it looks like a text file"
        }
        return "FFmpeg does not recognise its format: \(errorString(ffmpegError))"
    }

    static func readHead(_ path: String, count: Int) -> [UInt8] {
        guard let fp = fopen(path, "rb") else { return [] }
        defer { fclose(fp) }
        var buf = [UInt8](repeating: 0, count: count)
        let n = fread(&buf, 1, count, fp)
        return Array(buf.prefix(n))
    }

    // MARK: - Probe

    /// The most frames a probe reports: 2^40, weeks of 1000 fps video. A header claiming more (a
    /// damaged duration or count) is clamped here, so no frame arithmetic downstream can overflow.
    static let maxFrameCount = 1 << 40

    /// A frame count estimated as duration × rate: at least 1, at most ``maxFrameCount``.
    static func frameCount(_ estimate: Double) -> Int {
        max(1, min(Int(saturating: estimate.rounded()), maxFrameCount))
    }

    static func makeProbe(path: String, format: UnsafeMutablePointer<AVFormatContext>, stream: UnsafeMutablePointer<AVStream>,
                          streamIndex: Int, keyframes: [Double]?, videoStreamCount: Int, audioStreamCount: Int) -> VideoProbe {
        let par = stream.pointee.codecpar.pointee
        let tb = av_q2d(stream.pointee.time_base)
        let nopts = litevl_nopts_value()

        var start = 0.0
        if stream.pointee.start_time != nopts { start = Double(stream.pointee.start_time) * tb }
        else if format.pointee.start_time != nopts { start = Double(format.pointee.start_time) / Double(litevl_time_base()) }

        var duration = 0.0
        var durationEstimated = false
        if stream.pointee.duration != nopts && stream.pointee.duration > 0 {
            duration = Double(stream.pointee.duration) * tb
        } else if format.pointee.duration != nopts && format.pointee.duration > 0 {
            duration = Double(format.pointee.duration) / Double(litevl_time_base())
            if format.pointee.start_time != nopts {
                // The container's duration starts at its own start time; keep the video's part.
                duration -= max(0, start - Double(format.pointee.start_time) / Double(litevl_time_base()))
            }
        }
        if format.pointee.duration_estimation_method == AVFMT_DURATION_FROM_BITRATE { durationEstimated = true }

        func rate(_ q: AVRational) -> Double { q.num > 0 && q.den > 0 ? av_q2d(q) : 0 }
        let avg = rate(stream.pointee.avg_frame_rate)
        let base = rate(stream.pointee.r_frame_rate)
        var average = avg > 0 ? avg : (base > 0 ? base : 25)
        var frameCount = min(Int(stream.pointee.nb_frames), maxFrameCount)
        var frameCountEstimated = false
        if frameCount <= 0 {
            frameCount = VideoFile.frameCount(duration * average)
            frameCountEstimated = true
        } else if avg <= 0 && duration > 0 {
            average = Double(frameCount) / duration
        }

        // Variable frame rate: exact from a full index (MP4/MOV list every sample), else a heuristic.
        var variable = base > 0 && avg > 0 && abs(base - avg) / base > 0.01
        let entries = Int(avformatIndexCount(stream))
        if entries >= 3 && !frameCountEstimated && entries >= frameCount - 1 {
            var ts: [Int64] = []
            ts.reserveCapacity(entries)
            for i in 0..<entries { if let e = avformat_index_get_entry(stream, Int32(i)) { ts.append(e.pointee.timestamp) } }
            ts.sort()
            let deltas = zip(ts.dropFirst(), ts).map { $0 - $1 }.dropLast() // the last frame's duration is often odd
            if let lo = deltas.min(), let hi = deltas.max(), lo > 0 {
                variable = Double(hi - lo) > max(1, 0.02 * Double(lo))
            }
        }

        // Rotation from the display matrix, as ffmpeg's autorotate computes it.
        var rotation = 0
        if let side = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, nil) {
            let matrix = UnsafeMutableRawPointer(side).assumingMemoryBound(to: Int32.self)
            var theta = -(av_display_rotation_get(matrix).rounded())
            if theta.isFinite {
                theta -= 360 * (theta / 360 + 0.9 / 360).rounded(.down)
                for q in [0, 90, 180, 270, 360] where abs(theta - Double(q)) < 1 { rotation = q % 360 }
            }
        }

        var sar = stream.pointee.sample_aspect_ratio
        if sar.num <= 0 || sar.den <= 0 { sar = par.sample_aspect_ratio }
        if sar.num <= 0 || sar.den <= 0 { sar = AVRational(num: 1, den: 1) }
        var reducedNum: Int32 = 1, reducedDen: Int32 = 1
        _ = av_reduce(&reducedNum, &reducedDen, Int64(sar.num), Int64(sar.den), Int64(Int32.max))
        sar = AVRational(num: reducedNum, den: reducedDen)
        let width = Int(par.width), height = Int(par.height)
        let shownWidth = max(1, Int((Double(width) * av_q2d(sar)).rounded()))
        let (dw, dh) = rotation % 180 == 90 ? (height, shownWidth) : (shownWidth, height)

        let pixFmt = AVPixelFormat(rawValue: par.format)
        let pixName = av_get_pix_fmt_name(pixFmt).map { String(cString: $0) } ?? "unknown"
        var depth = 8, chroma = "unknown"
        if let desc = av_pix_fmt_desc_get(pixFmt) {
            depth = Int(desc.pointee.comp.0.depth)
            let flags = desc.pointee.flags
            if flags & UInt64(AV_PIX_FMT_FLAG_PAL) != 0 { chroma = "pal" }
            else if flags & UInt64(AV_PIX_FMT_FLAG_RGB) != 0 { chroma = "rgb" }
            else if desc.pointee.nb_components <= 2 { chroma = "gray" }
            else {
                switch (desc.pointee.log2_chroma_w, desc.pointee.log2_chroma_h) {
                case (0, 0): chroma = "4:4:4"
                case (1, 0): chroma = "4:2:2"
                case (1, 1): chroma = "4:2:0"
                case (2, 0): chroma = "4:1:1"
                case (0, 1): chroma = "4:4:0"
                case (2, 2): chroma = "4:1:0"
                default: chroma = "other"
                }
            }
        }
        let range: String
        switch par.color_range {
        case AVCOL_RANGE_JPEG: range = "full"
        case AVCOL_RANGE_MPEG: range = "limited"
        default: range = pixName.hasPrefix("yuvj") ? "full" : "unspecified"
        }
        let space = par.color_space == AVCOL_SPC_UNSPECIFIED ? "unspecified" : (av_color_space_name(par.color_space).map { String(cString: $0) } ?? "unspecified")
        let profile = avcodec_profile_name(par.codec_id, par.profile).map { String(cString: $0) }
        var bitRate: Int? = par.bit_rate > 0 ? Int(par.bit_rate) : nil
        if bitRate == nil && format.pointee.bit_rate > 0 { bitRate = Int(format.pointee.bit_rate) }
        var size: Int64 = 0
        if let pb = format.pointee.pb { size = max(0, avio_size(pb)) }

        return VideoProbe(
            path: path, fileSize: size,
            container: String(cString: format.pointee.iformat.pointee.name),
            codec: codecName(par.codec_id, tag: par.codec_tag), profile: profile,
            streamIndex: streamIndex, videoStreamCount: videoStreamCount, audioStreamCount: audioStreamCount,
            width: width, height: height, rotation: rotation, displayWidth: dw, displayHeight: dh,
            sampleAspectRatio: "\(sar.num):\(sar.den)",
            pixelFormat: pixName, bitDepth: depth, chroma: chroma, colorRange: range, colorSpace: space,
            startTime: start, duration: duration, durationIsEstimated: durationEstimated,
            frameCount: frameCount, frameCountIsEstimated: frameCountEstimated,
            averageFrameRate: average, baseFrameRate: base > 0 ? base : average, isVariableFrameRate: variable,
            keyframeCount: keyframes?.count, bitRate: bitRate)
    }

    static func avformatIndexCount(_ stream: UnsafeMutablePointer<AVStream>) -> Int32 {
        avformat_index_get_entries_count(stream)
    }

    /// Keyframe times from the demuxer's index (MP4/MOV: every sample; Matroska: cues), or nil.
    static func indexKeyframes(_ stream: UnsafeMutablePointer<AVStream>) -> [Double]? {
        let n = avformat_index_get_entries_count(stream)
        guard n > 0 else { return nil }
        let tb = av_q2d(stream.pointee.time_base)
        var times: [Double] = []
        for i in 0..<n {
            guard let e = avformat_index_get_entry(stream, i) else { continue }
            if e.pointee.flags & AVINDEX_KEYFRAME != 0 { times.append(Double(e.pointee.timestamp) * tb) }
        }
        times.sort()
        return times.isEmpty ? nil : times
    }

    /// Reads every packet of the stream (no decoding): the end time minus `start` (nil when no
    /// packet has a timestamp), the packet count and the first packet's byte position.
    static func scanDuration(format: UnsafeMutablePointer<AVFormatContext>, streamIndex: Int32, timeBase: Double,
                             start: Double) -> (duration: Double?, packets: Int, firstPosition: Int64) {
        guard let pkt = av_packet_alloc() else { return (nil, 0, -1) }
        var p: UnsafeMutablePointer<AVPacket>? = pkt
        defer { av_packet_free(&p) }
        var end = Int64.min
        var count = 0
        var first: Int64 = -1
        while av_read_frame(format, pkt) >= 0 && count < 5_000_000 {
            if first < 0 && pkt.pointee.pos >= 0 { first = pkt.pointee.pos }
            if pkt.pointee.stream_index == streamIndex {
                count += 1
                let t = pkt.pointee.pts != litevl_nopts_value() ? pkt.pointee.pts : pkt.pointee.dts
                if t != litevl_nopts_value() {
                    let (last, overflow) = t.addingReportingOverflow(max(0, pkt.pointee.duration))
                    end = max(end, overflow ? Int64.max : last)
                }
            }
            av_packet_unref(pkt)
        }
        guard end != Int64.min else { return (nil, count, first) }
        return (max(0, Double(end) * timeBase - start), count, first)
    }

    static func pixelArea(_ fmt: UnsafeMutablePointer<AVFormatContext>, _ index: Int32) -> Int {
        let par = fmt.pointee.streams[Int(index)]!.pointee.codecpar.pointee
        return Int(par.width) * Int(par.height)
    }

    static func codecName(_ id: AVCodecID, tag: UInt32) -> String {
        if id != AV_CODEC_ID_NONE, let name = avcodec_get_name(id) { return String(cString: name) }
        // Unknown to FFmpeg: show the container's four-character code.
        let bytes = (0..<4).map { UInt8((tag >> (8 * UInt32($0))) & 0xFF) }
        let text = String(decoding: bytes.map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
        return tag == 0 ? "unknown" : text
    }

    static func configureLogging() {
        guard let level = getenv("LITEVL_FFMPEG_LOG").map({ String(cString: $0) }) else {
            litevl_av_log_quiet()
            return
        }
        switch level {
        case "debug": litevl_av_log_level(AV_LOG_DEBUG)
        case "verbose": litevl_av_log_level(AV_LOG_VERBOSE)
        case "warning": litevl_av_log_level(AV_LOG_WARNING)
        case "error": litevl_av_log_level(AV_LOG_ERROR)
        default: litevl_av_log_level(AV_LOG_INFO)
        }
    }
}

/// FFmpeg's text for an error code.
func errorString(_ code: Int32) -> String {
    var buf = [CChar](repeating: 0, count: 128)
    return String(cString: litevl_err2str(code, &buf, buf.count))
}

/// A wall-clock limit FFmpeg's interrupt callback checks during I/O.
final class Deadline {
    private var limit: UInt64 = 0 // monotonic nanoseconds; 0 = none
    private(set) var seconds: Double = 0
    func arm(seconds: Double) { self.seconds = seconds; limit = monotonicNanos() &+ UInt64(max(0, seconds) * 1e9) }
    func disarm() { limit = 0 }
    var expired: Bool { limit != 0 && monotonicNanos() > limit }
}

func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
