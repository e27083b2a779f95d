/// One sampled frame: the model's input, what it looks like, and when it is shown.
public struct SampledFrame: Sendable {
    /// Index of this sample, 0 ..< count.
    public var index: Int
    /// The instant this sample aimed at, in seconds on the file's timeline.
    public var targetTime: Double
    /// Presentation time of the frame returned, in seconds, exactly as ffprobe's `pts_time`
    /// (the file's timeline; subtract ``VideoProbe/startTime`` for time into the clip).
    public var timestamp: Double
    /// The same in stream time-base units.
    public var pts: Int64
    /// The model input: float32 CHW `[3, size, size]`, resized without keeping the aspect ratio
    /// (bicubic), rotation applied, normalised.
    public var pixels: [Float]
    /// The same picture as 8-bit RGB before normalisation: exactly what the model sees.
    public var image: RGBImage
    /// A small picture for the UI, aspect ratio kept, rotation applied.
    public var thumbnail: RGBImage
    /// True when this frame is the same as the previous sample's (the clip has fewer distinct
    /// frames than samples there).
    public var repeated: Bool
    /// True when the decoder reported damage in this frame.
    public var damaged: Bool
}

/// Counters from one sampling run, for benchmarks and tests.
public struct SamplingStats: Sendable, Equatable {
    /// Packets read from the video stream.
    public var packetsRead = 0
    /// Frames the decoder produced (including the ones skipped over).
    public var framesDecoded = 0
    /// Seeks performed.
    public var seeks = 0
    /// Packets or frames the decoder rejected as invalid.
    public var decodeErrors = 0
    /// Wall-clock seconds spent sampling (opening excluded).
    public var seconds = 0.0
}

/// The result of ``FrameSampler/sample(_:)``: `count` frames in time order plus what went wrong.
public struct SampledClip: Sendable {
    public var probe: VideoProbe
    /// Exactly `count` frames, ascending timestamps (equal ones when repeated).
    public var frames: [SampledFrame]
    /// Human-readable, one line each: damage skipped, repeats, a header that lied about length.
    public var warnings: [String]
    /// The plan that was followed (targets and seek decisions).
    public var plan: SamplingPlan
    public var stats: SamplingStats
    /// Model input size (frames are `size × size`).
    public var size: Int

    /// All frames' ``SampledFrame/pixels`` concatenated: float32 `[count, 3, size, size]`.
    public var tensor: [Float] { frames.flatMap(\.pixels) }
    /// Number of distinct frames among the samples.
    public var distinctFrameCount: Int { frames.filter { !$0.repeated }.count }
}
