import CFFmpeg

/// Samples `count` frames uniformly over a clip and turns them into model input and thumbnails.
///
/// ```swift
/// let clip = try FrameSampler(count: 8, size: 224).sample(path: "clip.mp4")
/// clip.tensor          // [8 · 3 · 224 · 224] float32, BLIP-normalised
/// clip.frames[0].timestamp, clip.frames[0].thumbnail
/// ```
///
/// Targets are the middles of `count` equal segments of the clip (see ``SamplingPlan``); each
/// sample is the frame on screen at its target. Frames are reached by seeking to the keyframe
/// before a target and decoding forward, or by continuing to decode when that is cheaper, so the
/// time and memory used depend on the number of samples, not on the clip's length. The result is
/// deterministic: the same file gives the same frames, pixels and timestamps on every run, with
/// any strategy and any thread count.
///
/// A clip with fewer distinct frames than `count` repeats frames (``SampledFrame/repeated``) and
/// says so in ``SampledClip/warnings``; so does a file that is damaged in the middle (the frames
/// that decode are returned) or whose header claims more length than the data holds (the part that
/// exists is sampled instead).
public struct FrameSampler: Sendable {
    /// Number of frames T (default 8).
    public var count: Int
    /// Model input side S: frames are resized to S × S, aspect ratio not kept, as BLIP does.
    public var size: Int
    /// Box the thumbnails fit in, aspect ratio kept.
    public var thumbnailMaxWidth: Int
    public var thumbnailMaxHeight: Int
    /// Mean and std applied to the model input (default BLIP's).
    public var normalization: Normalization
    /// Seek per target, one forward pass, or choose by cost (default).
    public var strategy: SamplingStrategy
    /// Give up (``VideoError/timedOut(path:seconds:)``) after this many seconds of reading.
    public var timeLimit: Double

    public init(count: Int = 8, size: Int = 224, thumbnailMaxWidth: Int = 160, thumbnailMaxHeight: Int = 120,
                normalization: Normalization = .blip, strategy: SamplingStrategy = .auto, timeLimit: Double = 120) {
        self.count = count
        self.size = size
        self.thumbnailMaxWidth = thumbnailMaxWidth
        self.thumbnailMaxHeight = thumbnailMaxHeight
        self.normalization = normalization
        self.strategy = strategy
        self.timeLimit = timeLimit
    }

    /// Opens `path` and samples it.
    public func sample(path: String, threads: Int = 0) throws(VideoError) -> SampledClip {
        try sample(VideoFile.open(path, threads: threads))
    }

    /// Samples an open file. The file can be sampled again afterwards (it is rewound first).
    /// The largest frame the sampler decodes: 8192x8192 pixels (8K is 7680x4320), at most 16384 on a side.
    public static let maxFramePixels = 8192 * 8192
    public static let maxFrameSide = 16384

    public func sample(_ file: VideoFile) throws(VideoError) -> SampledClip {
        guard (1...10_000).contains(count) else { throw .invalidArgument("frame count must be between 1 and 10000, not \(count)") }
        guard (1...8192).contains(size) else { throw .invalidArgument("frame size must be between 1 and 8192, not \(size)") }
        guard thumbnailMaxWidth >= 1, thumbnailMaxHeight >= 1, thumbnailMaxWidth <= 8192, thumbnailMaxHeight <= 8192 else {
            throw .invalidArgument("thumbnail size must be between 1x1 and 8192x8192")
        }
        let began = monotonicNanos()
        file.deadline.arm(seconds: timeLimit)
        defer { file.deadline.disarm() }

        let probe = file.probe()
        // A header may claim any size; refuse before FFmpeg allocates frames of it.
        guard probe.width <= Self.maxFrameSide, probe.height <= Self.maxFrameSide, probe.width * probe.height <= Self.maxFramePixels else {
            throw .frameTooLarge(path: file.path, width: probe.width, height: probe.height)
        }
        var warnings: [String] = []
        var duration = probe.duration
        var attempt = 0
        while true {
            let targets = SamplingPlan.uniformTargets(count: count, start: probe.startTime, duration: duration)
            let run = try DecodeRun(file: file, sampler: self, targets: targets, allowEarlyEnd: attempt == 0)
            let outcome = try run.run()
            switch outcome {
            case .endedEarly(let end):
                warnings.append("header says the video lasts \(formatFixed(duration, 3)) s but it ends at \(formatFixed(end - probe.startTime, 3)) s (truncated?); sampled the part that exists")
                duration = max(0, end - probe.startTime)
                attempt += 1
            case .done(var frames):
                warnings += run.warnings(frames: frames)
                var stats = run.stats
                stats.seconds = Double(monotonicNanos() - began) / 1e9
                for i in frames.indices { frames[i].index = i }
                return SampledClip(probe: probe, frames: frames, warnings: warnings, plan: run.plan, stats: stats, size: size)
            }
        }
    }
}

/// One pass over the file towards a list of targets.
final class DecodeRun {
    enum Outcome { case done([SampledFrame]), endedEarly(Double) }

    let file: VideoFile
    let sampler: FrameSampler
    let plan: SamplingPlan
    let allowEarlyEnd: Bool
    var stats = SamplingStats()

    private let fmt: UnsafeMutablePointer<AVFormatContext>
    private let ctx: UnsafeMutablePointer<AVCodecContext>
    private let pkt: UnsafeMutablePointer<AVPacket>
    private let frame: UnsafeMutablePointer<AVFrame>
    private let held: UnsafeMutablePointer<AVFrame>
    private var hasHeld = false
    private var heldPts: Int64 = 0
    private var framePts: Int64 = 0
    private var lastPts: Int64?
    private let tb: Double
    private let frameTicks: Int64
    private let startTicks: Int64
    private let nopts = litevl_nopts_value()

    // Demux / decode state.
    private var demuxDone = false
    private var flushSent = false
    private var awaitingKeyPacket = false
    private var skippedAwaitingKey = 0
    private var minPts: Int64?
    private var maxPackets: Int
    private var readError: String?
    private var packetLimitHit = false
    private var errorTimes: [Double] = []
    private var consecutiveErrors = 0

    // Seek state.
    private var seekedSinceFrame = false   // a seek happened and no frame has been accepted since
    private var seekWasToStart = true
    private var backoff = 0.0
    private var reseeks = 0
    private let seekMargin: Double

    private let converter = FrameConverter()
    private let thumbConverter = FrameConverter()
    private var results: [SampledFrame] = []
    private var everDecoded = false

    init(file: VideoFile, sampler: FrameSampler, targets: [Double], allowEarlyEnd: Bool) throws(VideoError) {
        self.file = file
        self.sampler = sampler
        self.allowEarlyEnd = allowEarlyEnd
        fmt = file.format
        ctx = file.codecContext
        let probe = file.probe()
        tb = file.timeBase
        let fps = probe.averageFrameRate > 0 ? probe.averageFrameRate : 25
        frameTicks = max(1, Int64(saturating: (1 / fps / tb).rounded()))
        startTicks = Int64(saturating: (probe.startTime / tb).rounded(.down))
        // B-frame reordering: a keyframe's presentation time can follow its decode time by the delay.
        seekMargin = Double(max(0, Int(file.stream.pointee.codecpar.pointee.video_delay)) + 1) / fps
        plan = SamplingPlan.make(targets: targets, start: probe.startTime, keyframes: file.keyframeTimes, frameRate: fps,
                                 strategy: file.timestampsUnreliable ? .forward : sampler.strategy, seekMargin: seekMargin)
        maxPackets = max(100_000, probe.frameCount * 4 + 10_000)   // frameCount ≤ VideoFile.maxFrameCount
        guard let p = av_packet_alloc(), let f = av_frame_alloc(), let h = av_frame_alloc() else {
            throw .corrupted(path: file.path, reason: "out of memory")
        }
        pkt = p; frame = f; held = h
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = pkt
        av_packet_free(&p)
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
        var h: UnsafeMutablePointer<AVFrame>? = held
        av_frame_free(&h)
    }

    func run() throws(VideoError) -> Outcome {
        let targets = plan.targets
        var next = 0
        if file.hasRead { seek(toSeconds: nil) }   // rewind to the start
        file.hasRead = true
        if !targets.isEmpty && plan.seekBefore[0] { seek(toSeconds: targets[0]) }

        while next < targets.count {
            guard try nextFrame() else {
                // End of stream.
                if seekedSinceFrame && !seekWasToStart && reseeks < 8 {
                    // The seek landed past the last decodable frame: go further back.
                    reseek(for: targets[next])
                    continue
                }
                break
            }
            let t = seconds(framePts)
            if !hasHeld && seekedSinceFrame && !seekWasToStart && t > targets[next] && reseeks < 8 {
                // The seek landed after the target (keyframe's presentation time follows it): go further back.
                av_frame_unref(frame)
                reseek(for: targets[next])
                continue
            }
            seekedSinceFrame = false
            everDecoded = true
            var sought = false
            while next < targets.count && t > targets[next] {
                try resolve(next, with: hasHeld ? held : frame, pts: hasHeld ? heldPts : framePts)
                next += 1
                backoff = 0
                reseeks = 0
                if next < targets.count && plan.seekBefore[next] {
                    av_frame_unref(frame)
                    seek(toSeconds: targets[next])
                    sought = true
                    break
                }
            }
            if sought { continue }
            av_frame_unref(held)
            av_frame_move_ref(held, frame)
            heldPts = framePts
            hasHeld = true
        }

        if next < targets.count {
            guard hasHeld || !results.isEmpty else {
                let why = readError.map { "reading failed: \($0)" } ?? (stats.decodeErrors > 0 ? "every packet failed to decode" : "no video frame in the stream")
                throw .corrupted(path: file.path, reason: why)
            }
            if hasHeld && allowEarlyEnd {
                let end = seconds(heldPts) + Double(frameTicks) * tb
                if targets[targets.count - 1] > end + Double(frameTicks) * tb { return .endedEarly(end) }
            }
            while next < targets.count {
                if hasHeld { try resolve(next, with: held, pts: heldPts) } else { repeatLast(next) }
                next += 1
            }
        }
        av_frame_unref(held)
        hasHeld = false
        return .done(results)
    }

    func warnings(frames: [SampledFrame]) -> [String] {
        var out: [String] = []
        if let readError { out.append("reading stopped early: \(readError); frames after that point are missing") }
        if packetLimitHit { out.append("stopped after \(maxPackets) packets, far more than the header announces") }
        if stats.decodeErrors > 0, let lo = errorTimes.min(), let hi = errorTimes.max() {
            out.append("\(stats.decodeErrors) packet(s) failed to decode between \(formatFixed(lo, 2)) s and \(formatFixed(hi, 2)) s; the file is damaged there and nearby frames may be missing or show artefacts")
        } else if stats.decodeErrors > 0 {
            out.append("\(stats.decodeErrors) packet(s) failed to decode; the file is damaged")
        }
        let damaged = frames.filter(\.damaged).count
        if damaged > 0 { out.append("\(damaged) of \(frames.count) sampled frame(s) were decoded with errors and may show artefacts") }
        let repeats = frames.filter(\.repeated).count
        if repeats > 0 {
            out.append("only \(frames.count - repeats) distinct frame(s) for \(frames.count) samples; \(repeats) sample(s) repeat the previous frame")
        }
        return out
    }

    // MARK: - Decoding

    private func seconds(_ pts: Int64) -> Double { Double(pts) * tb }

    /// Decodes the next frame into `frame` and its time into `framePts`; false at the end of the stream.
    private func nextFrame() throws(VideoError) -> Bool {
        while true {
            let r = avcodec_receive_frame(ctx, frame)
            if r == 0 {
                stats.framesDecoded += 1
                consecutiveErrors = 0
                var pts = frame.pointee.best_effort_timestamp
                if pts == nopts { pts = frame.pointee.pts }
                if pts == nopts { pts = lastPts.map { $0 + frameTicks } ?? startTicks }
                lastPts = pts
                if let minPts, pts < minPts {
                    av_frame_unref(frame) // leading pictures of an open GOP before the keyframe we sought to
                    continue
                }
                framePts = pts
                return true
            }
            if r == litevl_averror_eof() { return false }
            if r != litevl_averror_eagain() {
                noteDecodeError(nil)
                consecutiveErrors += 1
                if consecutiveErrors > 10_000 { return false }
                continue
            }
            if demuxDone {
                if flushSent { return false }
                flushSent = true
                _ = avcodec_send_packet(ctx, nil)
                continue
            }
            let rr = av_read_frame(fmt, pkt)
            if rr < 0 {
                if file.deadline.expired { throw .timedOut(path: file.path, seconds: file.deadline.seconds) }
                if rr != litevl_averror_eof() { readError = errorString(rr) }
                demuxDone = true
                continue
            }
            if file.firstPacketPosition < 0 && pkt.pointee.pos >= 0 { file.firstPacketPosition = pkt.pointee.pos }
            guard pkt.pointee.stream_index == file.streamIndex else { av_packet_unref(pkt); continue }
            stats.packetsRead += 1
            if stats.packetsRead > maxPackets {
                packetLimitHit = true
                demuxDone = true
                av_packet_unref(pkt)
                continue
            }
            if awaitingKeyPacket {
                if pkt.pointee.flags & litevl_pkt_flag_key() == 0 && skippedAwaitingKey < 1000 {
                    skippedAwaitingKey += 1
                    av_packet_unref(pkt)
                    continue
                }
                awaitingKeyPacket = false
                let p = pkt.pointee.pts != nopts ? pkt.pointee.pts : pkt.pointee.dts
                minPts = p != nopts ? p : nil
            }
            let packetTime = pkt.pointee.pts != nopts ? pkt.pointee.pts : pkt.pointee.dts
            let s = avcodec_send_packet(ctx, pkt)
            av_packet_unref(pkt)
            if s < 0 && s != litevl_averror_eagain() && s != litevl_averror_eof() {
                noteDecodeError(packetTime != nopts ? seconds(packetTime) : nil)
            }
        }
    }

    private func noteDecodeError(_ time: Double?) {
        stats.decodeErrors += 1
        if let time { errorTimes.append(time) } else if let lastPts { errorTimes.append(seconds(lastPts)) }
    }

    /// Seeks to the keyframe before `target − margin − backoff` (nil: the start) and resets the decoder.
    private func seek(toSeconds target: Double?) {
        let probe = file.probe()
        let position = (target ?? -Double.infinity) - seekMargin - backoff
        let toStart = position <= probe.startTime || file.timestampsUnreliable
        var r: Int32
        if toStart {
            r = rewind()
        } else {
            let ts = Int64(saturating: (position / tb).rounded(.down))
            r = avformat_seek_file(fmt, file.streamIndex, Int64.min, ts, ts, 0)
            if r < 0 { r = av_seek_frame(fmt, file.streamIndex, ts, litevl_seek_flag_backward()) }
            // Not seekable: keep decoding forward from where we are.
            if r < 0 { return }
        }
        stats.seeks += 1
        avcodec_flush_buffers(ctx)
        av_frame_unref(held)
        hasHeld = false
        demuxDone = false
        flushSent = false
        lastPts = nil
        minPts = nil
        awaitingKeyPacket = !toStart
        skippedAwaitingKey = 0
        seekedSinceFrame = true
        seekWasToStart = toStart
    }

    /// Repositions the demuxer on the first packet of the stream.
    private func rewind() -> Int32 {
        // Aim before the first packet's decode time so a B-frame stream's first packet is not skipped.
        let margin = Int64(saturating: ((seekMargin + 1) / tb).rounded(.up))
        var r: Int32 = -1
        let byteSeekable = file.format.pointee.iformat.pointee.flags & AVFMT_NO_BYTE_SEEK == 0
        if file.timestampsUnreliable && byteSeekable {
            r = av_seek_frame(fmt, -1, max(0, file.firstPacketPosition), AVSEEK_FLAG_BYTE)
        }
        let before = startTicks > Int64.min + margin ? startTicks - margin : Int64.min
        if r < 0 { r = av_seek_frame(fmt, file.streamIndex, before, litevl_seek_flag_backward()) }
        if r < 0 { r = avformat_seek_file(fmt, file.streamIndex, Int64.min, startTicks, startTicks, 0) }
        if r < 0 && byteSeekable { r = av_seek_frame(fmt, -1, max(0, file.firstPacketPosition), AVSEEK_FLAG_BYTE) }
        return r
    }

    /// Seeks again, further back, after a seek overshot `target`.
    private func reseek(for target: Double) {
        reseeks += 1
        backoff = backoff == 0 ? 1 : backoff * 2
        seek(toSeconds: target)
    }

    // MARK: - Results

    private func resolve(_ index: Int, with source: UnsafeMutablePointer<AVFrame>, pts: Int64) throws(VideoError) {
        if let last = results.last, last.pts == pts {
            repeatLast(index)
            return
        }
        let probe = file.probe()
        let rotation = probe.rotation
        let s = sampler.size
        guard let square = converter.convert(source, width: s, height: s) else {
            throw .corrupted(path: file.path, reason: "cannot convert pixel format \(probe.pixelFormat) to RGB")
        }
        let image = square.rotated(clockwise: rotation)
        // Thumbnail: fit the displayed picture (pixel aspect and rotation applied) in the box.
        let f = source.pointee
        var sar = f.sample_aspect_ratio
        if sar.num <= 0 || sar.den <= 0 { sar = file.stream.pointee.sample_aspect_ratio }
        let pixelAspect = sar.num > 0 && sar.den > 0 ? av_q2d(sar) : 1
        var aspect = Double(f.width) * pixelAspect / Double(max(1, f.height))
        if rotation % 180 == 90 { aspect = 1 / aspect }
        let boxW = sampler.thumbnailMaxWidth, boxH = sampler.thumbnailMaxHeight
        var tw = boxW, th = boxH
        if aspect >= Double(boxW) / Double(boxH) { th = max(1, Int((Double(boxW) / aspect).rounded())) }
        else { tw = max(1, Int((Double(boxH) * aspect).rounded())) }
        let (sw, sh) = rotation % 180 == 90 ? (th, tw) : (tw, th)
        guard let thumbSource = thumbConverter.convert(source, width: sw, height: sh) else {
            throw .corrupted(path: file.path, reason: "cannot convert pixel format \(probe.pixelFormat) to RGB")
        }
        let damaged = f.flags & AV_FRAME_FLAG_CORRUPT != 0 || f.decode_error_flags != 0
        results.append(SampledFrame(index: index, targetTime: plan.targets[index], timestamp: seconds(pts), pts: pts,
                                    pixels: sampler.normalization.tensor(from: image), image: image,
                                    thumbnail: thumbSource.rotated(clockwise: rotation), repeated: false, damaged: damaged))
    }

    private func repeatLast(_ index: Int) {
        guard var copy = results.last else { return }
        copy.index = index
        copy.targetTime = plan.targets[index]
        copy.repeated = true
        results.append(copy)
    }
}
