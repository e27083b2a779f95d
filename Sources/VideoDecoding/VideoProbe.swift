/// What a video file holds, as far as its container and the first packets tell.
///
/// Obtained from ``VideoFile/probe()`` without decoding the whole file. Values the container does
/// not state are estimated, and the matching `…IsEstimated` flag says so.
public struct VideoProbe: Codable, Equatable, Sendable {
    /// The path the file was opened with.
    public var path: String
    /// File size in bytes.
    public var fileSize: Int64
    /// FFmpeg's name of the container format, e.g. `mov,mp4,m4a,3gp,3g2,mj2`, `matroska,webm`.
    public var container: String
    /// FFmpeg's name of the video codec, e.g. `h264`, `hevc`, `vp9`, `av1`.
    public var codec: String
    /// The codec profile, e.g. `High`, `Main 10`, when known.
    public var profile: String?
    /// Index of the chosen video stream in the container.
    public var streamIndex: Int
    /// Number of video streams (cover art excluded) and audio streams in the file.
    public var videoStreamCount: Int
    public var audioStreamCount: Int

    /// Coded picture size in pixels, before rotation.
    public var width: Int
    public var height: Int
    /// Clockwise rotation in degrees (0, 90, 180 or 270) that the display matrix asks for.
    /// Sampled frames already have it applied.
    public var rotation: Int
    /// Picture size as displayed: rotation applied, and the pixel aspect ratio folded into the width.
    public var displayWidth: Int
    public var displayHeight: Int
    /// Pixel (sample) aspect ratio as `num:den`; `1:1` for square pixels.
    public var sampleAspectRatio: String

    /// FFmpeg's pixel format name, e.g. `yuv420p`, `yuv420p10le`, `yuv444p`, `yuvj422p`, `pal8`.
    public var pixelFormat: String
    /// Bits per colour component (8, 10, 12...).
    public var bitDepth: Int
    /// `4:2:0`, `4:2:2`, `4:4:4`, `4:1:1`, `4:4:0` or `rgb`/`gray`/`pal` for non-YUV formats.
    public var chroma: String
    /// `limited` (TV, 16–235), `full` (PC/JPEG, 0–255) or `unspecified` (treated as limited for YUV).
    public var colorRange: String
    /// The YUV matrix, e.g. `bt709`, `bt470bg`, `smpte170m`, `bt2020nc`, `unspecified` (treated as BT.601, like FFmpeg).
    public var colorSpace: String

    /// Presentation time of the clip's start in seconds (as ffprobe's `start_time`).
    public var startTime: Double
    /// Length of the video in seconds.
    public var duration: Double
    /// True when the container did not state the duration and it was estimated (bit rate or a scan).
    public var durationIsEstimated: Bool
    /// Number of video frames.
    public var frameCount: Int
    /// True when the container did not state the frame count: then it is duration × average frame rate.
    public var frameCountIsEstimated: Bool
    /// Average frame rate in frames per second (frames / duration).
    public var averageFrameRate: Double
    /// The lowest rate that represents all timestamps (ffprobe's `r_frame_rate`).
    public var baseFrameRate: Double
    /// True when frame durations vary (from the container's index when it lists every frame, else
    /// when the average and base rates disagree).
    public var isVariableFrameRate: Bool
    /// Number of keyframes in the container's index, or nil when the container has no index.
    public var keyframeCount: Int?
    /// Bit rate of the video stream (or of the whole file) in bits per second, when known.
    public var bitRate: Int?
}

extension VideoProbe {
    /// A few human-readable lines, as `litevl probe` prints them.
    public var summary: String { summaryLines.joined(separator: "\n") }

    /// ``summary`` one line at a time (a file name may itself hold a newline).
    public var summaryLines: [String] {
        func f(_ x: Double, _ digits: Int = 3) -> String { formatFixed(x, digits) }
        var lines: [String] = []
        lines.append("file:        \(path) (\(fileSize) bytes)")
        lines.append("container:   \(container)")
        lines.append("codec:       \(codec)\(profile.map { " (\($0))" } ?? "")  stream #\(streamIndex) of \(videoStreamCount) video, \(audioStreamCount) audio")
        var size = "\(width)x\(height)"
        if rotation != 0 || displayWidth != width || displayHeight != height {
            size += ", displayed \(displayWidth)x\(displayHeight)"
        }
        if rotation != 0 { size += " (rotated \(rotation)°)" }
        if sampleAspectRatio != "1:1" { size += ", SAR \(sampleAspectRatio)" }
        lines.append("size:        \(size)")
        lines.append("pixels:      \(pixelFormat), \(bitDepth)-bit \(chroma), range \(colorRange), matrix \(colorSpace)")
        lines.append("duration:    \(f(duration)) s\(durationIsEstimated ? " (estimated)" : ""), start \(f(startTime)) s")
        lines.append("frames:      \(frameCount)\(frameCountIsEstimated ? " (estimated)" : "")")
        lines.append("frame rate:  \(f(averageFrameRate)) fps average, \(f(baseFrameRate)) base, \(isVariableFrameRate ? "variable" : "constant")")
        lines.append("keyframes:   \(keyframeCount.map(String.init) ?? "unknown (no index)")")
        if let b = bitRate { lines.append("bit rate:    \(b / 1000) kb/s") }
        return lines
    }
}

/// `x` with exactly `digits` decimals, without Foundation's locale-dependent formatting.
func formatFixed(_ x: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    // Beyond Int64 (a header's absurd duration) the plain form is exact enough.
    guard x.isFinite, abs(x) * scale < 9e18 else { return "\(x)" }
    let negative = x < 0
    let n = Int64((abs(x) * scale).rounded())
    let whole = n / Int64(scale)
    var frac = String(n % Int64(scale))
    while frac.count < digits { frac = "0" + frac }
    return (negative && n != 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + frac : "")
}
