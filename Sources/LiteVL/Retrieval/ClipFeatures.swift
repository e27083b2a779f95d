import Foundation

/// What text-to-video search keeps about one clip for one model: the frame embeddings for the ITC
/// score, the video features V (float16) for the ITM re-rank, and what a list of clips shows.
///
/// Serialised by ``encoded()`` / ``init(decoding:)`` into a self-checking binary entry of the
/// ``FeatureCache`` (docs/retrieval.md, "Cache layout").
public struct ClipFeatures: Sendable, Equatable {
    /// u_t = normalize(vision_proj(V[t, 0])): `[frames, embedDim]`, float32.
    public var frameEmbeddings: Tensor
    /// V `[frames, 1 + N, width]`, rounded to float16 (stored as float16, kept here widened).
    public var features: Tensor
    /// s_l per ViT layer.
    public var scales: [Float]
    /// Each sampled frame's timestamp in seconds (the file's timeline, as `litevl frames` prints).
    public var timestamps: [Double]
    /// The clip's duration in seconds (0 when unknown).
    public var duration: Double
    /// A small picture of the middle frame (RGB, row-major), for clip lists; may be empty.
    public var thumbnailWidth: Int
    public var thumbnailHeight: Int
    public var thumbnail: [UInt8]

    public init(frameEmbeddings: Tensor, features: Tensor, scales: [Float], timestamps: [Double], duration: Double,
                thumbnailWidth: Int = 0, thumbnailHeight: Int = 0, thumbnail: [UInt8] = []) {
        self.frameEmbeddings = frameEmbeddings
        self.features = Self.roundedToHalf(features)
        self.scales = scales
        self.timestamps = timestamps
        self.duration = duration
        self.thumbnailWidth = thumbnailWidth
        self.thumbnailHeight = thumbnailHeight
        self.thumbnail = thumbnail
    }

    /// Builds the entry of an encoded clip.
    public init(model: LiteVLModel, video: EncodedVideo, timestamps: [Double], duration: Double,
                thumbnailWidth: Int = 0, thumbnailHeight: Int = 0, thumbnail: [UInt8] = []) {
        self.init(frameEmbeddings: model.frameEmbeddings(video), features: video.features, scales: video.scales,
                  timestamps: timestamps, duration: duration,
                  thumbnailWidth: thumbnailWidth, thumbnailHeight: thumbnailHeight, thumbnail: thumbnail)
    }

    public var frameCount: Int { frameEmbeddings.shape[0] }

    /// The clip as the model's text side needs it (for ITM), rebuilt from the stored V.
    public func encodedVideo(_ model: LiteVLModel) -> EncodedVideo {
        model.encodedVideo(features: features, scales: scales)
    }

    /// Every value rounded to the nearest float16, so that a clip scores the same whether its
    /// features come from the cache or were just computed.
    static func roundedToHalf(_ t: Tensor) -> Tensor {
        Tensor(shape: t.shape, data: t.data.map { Float(Float16($0)) })
    }

    // MARK: - Binary entry

    static let magic: [UInt8] = Array("LVFC".utf8)
    static let version: UInt32 = 1

    struct Header: Codable {
        var frames: Int
        var embedDim: Int
        var positions: Int
        var width: Int
        var scales: [Float]
        var timestamps: [Double]
        var duration: Double
        var thumbnailWidth: Int
        var thumbnailHeight: Int
    }

    /// `LVFC`, version (UInt32 LE), header length (UInt32 LE), JSON header, frame embeddings
    /// (float32 LE), V (float16 LE), thumbnail bytes, XXH64 of everything before it (UInt64 LE).
    public func encoded() -> Data {
        let header = Header(frames: frameEmbeddings.shape[0], embedDim: frameEmbeddings.shape[1], positions: features.shape[1],
                            width: features.shape[2], scales: scales, timestamps: timestamps, duration: duration,
                            thumbnailWidth: thumbnailWidth, thumbnailHeight: thumbnailHeight)
        let json = try! JSONEncoder().encode(header)
        var out = Data(Self.magic)
        func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        append(Self.version)
        append(UInt32(json.count))
        out.append(json)
        out.reserveCapacity(out.count + frameEmbeddings.count * 4 + features.count * 2 + thumbnail.count + 8)
        for v in frameEmbeddings.data { append(v.bitPattern) }
        for v in features.data { append(Float16(v).bitPattern) }
        out.append(contentsOf: thumbnail)
        append(XXHash64.hash(out))
        return out
    }

    /// Why an entry was refused.
    public struct Corrupt: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads an entry written by ``encoded()``; throws ``Corrupt`` for anything truncated,
    /// altered or from another format version.
    public init(decoding bytes: Data) throws(Corrupt) {
        let data = bytes.startIndex == 0 ? bytes : Data(bytes)
        guard data.count >= 20, Array(data.prefix(4)) == Self.magic else { throw Corrupt(description: "not a litevl feature entry") }
        let body = data.count - 8
        let (version, headerLength, checksum): (UInt32, Int, UInt64) = data.withUnsafeBytes { p in
            (UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt32.self)),
             Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt32.self))),
             UInt64(littleEndian: p.loadUnaligned(fromByteOffset: body, as: UInt64.self)))
        }
        guard version == Self.version else { throw Corrupt(description: "format version \(version), expected \(Self.version)") }
        guard checksum == data.withUnsafeBytes({ XXHash64.hash(UnsafeRawBufferPointer(rebasing: $0[0..<body])) }) else {
            throw Corrupt(description: "checksum mismatch")
        }
        guard 12 + headerLength <= body,
              let h = try? JSONDecoder().decode(Header.self, from: data.subdata(in: 12..<(12 + headerLength))),
              h.frames > 0, h.embedDim > 0, h.positions > 0, h.width > 0, h.timestamps.count == h.frames,
              h.thumbnailWidth >= 0, h.thumbnailHeight >= 0 else { throw Corrupt(description: "bad header") }
        // Products of header fields, refused when they overflow (a forged header cannot trap the reader).
        func product(_ xs: Int...) -> Int? {
            xs.reduce(Optional(1)) { p, x in p.flatMap { let (r, o) = $0.multipliedReportingOverflow(by: x); return o ? nil : r } }
        }
        let start = 12 + headerLength
        guard let uCount = product(h.frames, h.embedDim), let vCount = product(h.frames, h.positions, h.width),
              let thumbCount = product(h.thumbnailWidth, h.thumbnailHeight, 3),
              let uBytes = product(uCount, 4), let vBytes = product(vCount, 2),
              uBytes <= body, vBytes <= body, thumbCount <= body,
              start + uBytes + vBytes + thumbCount == body else { throw Corrupt(description: "sizes do not add up") }
        var u = [Float](repeating: 0, count: uCount), v = [Float](repeating: 0, count: vCount)
        data.withUnsafeBytes { p in
            for i in 0..<uCount { u[i] = Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self))) }
            let vStart = start + uCount * 4
            for i in 0..<vCount { v[i] = Float(Float16(bitPattern: UInt16(littleEndian: p.loadUnaligned(fromByteOffset: vStart + 2 * i, as: UInt16.self)))) }
        }
        let tStart = start + uCount * 4 + vCount * 2
        frameEmbeddings = Tensor(shape: [h.frames, h.embedDim], data: u)
        features = Tensor(shape: [h.frames, h.positions, h.width], data: v)
        scales = h.scales
        timestamps = h.timestamps
        duration = h.duration
        thumbnailWidth = h.thumbnailWidth
        thumbnailHeight = h.thumbnailHeight
        thumbnail = data.withUnsafeBytes { [UInt8]($0[tStart..<(tStart + thumbCount)]) }
    }
}
