/// Why a video could not be opened or sampled.
///
/// Every case names the file, and ``description`` is a single line saying what went wrong and
/// what the user can do about it, ready to print after `litevl: `.
public enum VideoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Nothing exists at the path.
    case fileNotFound(path: String)
    /// The file exists but this user may not read it.
    case permissionDenied(path: String)
    /// The path names a directory, a device, a pipe or a socket rather than a file.
    case notARegularFile(path: String, kind: String)
    /// The file is zero bytes long.
    case emptyFile(path: String)
    /// FFmpeg does not recognise the file as any media format; `reason` says what it looks like.
    case notAVideo(path: String, reason: String)
    /// The file is media, but holds only audio (cover art does not count as video).
    case audioOnly(path: String)
    /// The file is media but has no video stream (subtitles, data...).
    case noVideoStream(path: String)
    /// The video stream's codec has no decoder in this FFmpeg build.
    case unsupportedCodec(path: String, codec: String)
    /// The video stream could not be decoded at all, or reading failed before any frame.
    case corrupted(path: String, reason: String)
    /// Reading the file did not finish within the time limit.
    case timedOut(path: String, seconds: Double)
    /// The frames are larger than the decoder will allocate (``FrameSampler/maxFramePixels``).
    case frameTooLarge(path: String, width: Int, height: Int)
    /// A sampling parameter is out of range (count, size...).
    case invalidArgument(String)

    /// The path the error is about (empty for ``invalidArgument(_:)``).
    public var path: String {
        switch self {
        case .fileNotFound(let p), .permissionDenied(let p), .emptyFile(let p), .audioOnly(let p),
             .noVideoStream(let p):
            return p
        case .notARegularFile(let p, _), .notAVideo(let p, _), .unsupportedCodec(let p, _),
             .corrupted(let p, _), .timedOut(let p, _), .frameTooLarge(let p, _, _):
            return p
        case .invalidArgument:
            return ""
        }
    }

    /// One line: what went wrong, with which file, and what to do.
    public var description: String {
        switch self {
        case .fileNotFound(let p):
            return "video not found: \(p) (check the path)"
        case .permissionDenied(let p):
            return "\(p): permission denied; make the file readable (chmod +r) or run as its owner"
        case .notARegularFile(let p, let kind):
            return "\(p): is a \(kind), not a video file; give the path of a video file"
        case .emptyFile(let p):
            return "\(p): the file is empty (0 bytes); it may still be downloading or copying"
        case .notAVideo(let p, let reason):
            return "\(p): not a video file (\(reason)); give a video FFmpeg can play, e.g. MP4, MKV, WebM, MOV"
        case .audioOnly(let p):
            return "\(p): audio only, no video stream; give a file with a video track"
        case .noVideoStream(let p):
            return "\(p): no video stream in this file; give a file with a video track"
        case .unsupportedCodec(let p, let codec):
            return "\(p): video codec '\(codec)' is not supported by this FFmpeg build; convert it, e.g. ffmpeg -i IN -c:v libx264 OUT.mp4"
        case .corrupted(let p, let reason):
            return "\(p): the video cannot be decoded (\(reason)); the file is damaged or incomplete"
        case .timedOut(let p, let s):
            return "\(p): reading took longer than \(Int(s)) s and was stopped; the file may be on a stalled disk or damaged"
        case .frameTooLarge(let p, let w, let h):
            let megapixels = (Double(w) * Double(h) / 1e6).rounded()
            return "\(p): frames are \(w)x\(h) (\(Int(megapixels)) megapixels), larger than the 8192x8192 litevl decodes; scale it down first, e.g. ffmpeg -i IN -vf scale=1920:-2 OUT.mp4"
        case .invalidArgument(let message):
            return message
        }
    }
}
