import Foundation

/// The on-disk cache of per-clip search features (``ClipFeatures``), bounded in size with
/// least-recently-used eviction (docs/retrieval.md, "Cache layout").
///
/// ```
/// <root>/v1/<model hash>/<content hash>-<bytes>-t<frames>-s<size>.lvf   one entry per clip
/// <root>/v1/digests.json                                                content hashes by path
/// ```
///
/// Entries are written atomically (a temporary file renamed into place), carry their own
/// checksum, and anything unreadable is deleted and reported as a miss, so the cache is always
/// safe to delete or to share between processes. Thread-safe.
public final class FeatureCache: @unchecked Sendable {
    /// The cache directory (`--cache`, `$LITEVL_CACHE`, `$XDG_CACHE_HOME/litevl` or `~/.cache/litevl`).
    public let root: URL
    /// Entries are evicted, least recently used first, once they take more than this.
    public let limitBytes: Int64
    private let lock = NSLock()
    private var digests: [String: Digest]?
    private var digestsChanged = false
    private var knownTotal: Int64?
    private var tally = Counters()

    /// What happened since the cache was opened.
    public struct Counters: Sendable, Equatable {
        public var hits = 0
        public var misses = 0
        /// Entries found damaged (and deleted).
        public var corrupt = 0
        public var stored = 0
        public var evicted = 0
    }

    /// Identifies one clip's entry.
    public struct Key: Hashable, Sendable {
        /// XXH64 of the whole file.
        public var contentHash: UInt64
        public var byteCount: Int64
        public var frames: Int
        public var imageSize: Int
        /// ``FeatureCache/modelHash(directory:)`` of the model.
        public var model: UInt64
        public init(contentHash: UInt64, byteCount: Int64, frames: Int, imageSize: Int, model: UInt64) {
            self.contentHash = contentHash; self.byteCount = byteCount; self.frames = frames; self.imageSize = imageSize; self.model = model
        }
    }

    struct Digest: Codable {
        var size: Int64
        var modified: Double
        var inode: UInt64
        /// Hex: JSON numbers do not hold 64 bits.
        var hash: String
    }

    /// 512 MiB.
    public static let defaultLimitBytes: Int64 = 512 << 20

    public init(root: URL, limitBytes: Int64 = FeatureCache.defaultLimitBytes) {
        self.root = root
        self.limitBytes = limitBytes
    }

    /// The default location: `$LITEVL_CACHE`, else `$XDG_CACHE_HOME/litevl`, else `$HOME/.cache/litevl`.
    public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        if let dir = environment["LITEVL_CACHE"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return URL(fileURLWithPath: xdg).appendingPathComponent("litevl") }
        if let home = environment["HOME"], !home.isEmpty { return URL(fileURLWithPath: home).appendingPathComponent(".cache/litevl") }
        return nil
    }

    var versionDirectory: URL { root.appendingPathComponent("v1") }

    /// Where the entry of `key` lives.
    public func url(for key: Key) -> URL {
        versionDirectory.appendingPathComponent(XXHash64.hex(key.model))
            .appendingPathComponent("\(XXHash64.hex(key.contentHash))-\(key.byteCount)-t\(key.frames)-s\(key.imageSize).lvf")
    }

    public var counters: Counters { lock.withLock { tally } }

    /// The entry of `key`, or nil when there is none or it is damaged (then it is deleted). A hit
    /// marks the entry as recently used.
    public func load(_ key: Key) -> ClipFeatures? {
        let url = url(for: key)
        guard let data = try? Data(contentsOf: url) else {
            lock.withLock { tally.misses += 1 }
            return nil
        }
        do {
            let features = try ClipFeatures(decoding: data)
            try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: url.path)
            lock.withLock { tally.hits += 1 }
            return features
        } catch {
            try? FileManager.default.removeItem(at: url)
            lock.withLock { tally.corrupt += 1; tally.misses += 1; knownTotal = nil }
            return nil
        }
    }

    /// Writes the entry of `key` atomically, then evicts least recently used entries while the
    /// cache is over its limit (never the entry just written).
    public func store(_ features: ClipFeatures, for key: Key) throws {
        let url = url(for: key)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let data = features.encoded()
        try data.write(to: url, options: .atomic)
        let over: Bool = lock.withLock {
            tally.stored += 1
            if let t = knownTotal { knownTotal = t + Int64(data.count) }
            return knownTotal.map { $0 > limitBytes } ?? true
        }
        if over { evict(keeping: url) }
    }

    /// The entries, oldest use first, with their sizes.
    func entries() -> [(url: URL, size: Int64, used: Date)] {
        let fm = FileManager.default
        guard let e = fm.enumerator(at: versionDirectory, includingPropertiesForKeys: [.fileSizeKey, .contentModificationDateKey]) else { return [] }
        var out: [(URL, Int64, Date)] = []
        for case let url as URL in e where url.pathExtension == "lvf" {
            let v = try? url.resourceValues(forKeys: [.fileSizeKey, .contentModificationDateKey])
            out.append((url, Int64(v?.fileSize ?? 0), v?.contentModificationDate ?? .distantPast))
        }
        return out.sorted { $0.2 < $1.2 }
    }

    /// Total bytes of the entries.
    public var totalBytes: Int64 { entries().reduce(0) { $0 + $1.size } }

    /// Deletes least recently used entries until the cache fits its limit.
    public func evict(keeping kept: URL? = nil) {
        let all = entries()
        var total = all.reduce(0) { $0 + $1.size }
        var evicted = 0
        for e in all where total > limitBytes && e.url.standardizedFileURL != kept?.standardizedFileURL {
            if (try? FileManager.default.removeItem(at: e.url)) != nil { total -= e.size; evicted += 1 }
        }
        lock.withLock { knownTotal = total; tally.evicted += evicted }
    }

    // MARK: - Content hashes

    /// XXH64 of the file's content and its size. The hash is remembered by path, size,
    /// modification time and inode (`digests.json`), and recomputed when any of them changes.
    public func contentHash(ofFileAt path: String) throws -> (hash: UInt64, byteCount: Int64) {
        // The file a symlink points to: its size, time and inode change when it does (the link's do not).
        let absolute = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
        let attributes = try FileManager.default.attributesOfItem(atPath: absolute)
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
        if let d = lock.withLock({ loadedDigests()[absolute] }), d.size == size, d.modified == modified, d.inode == inode,
           let h = UInt64(d.hash, radix: 16) {
            return (h, size)
        }
        let hash = try XXHash64.hash(fileAt: absolute)
        lock.withLock {
            _ = loadedDigests()
            digests![absolute] = Digest(size: size, modified: modified, inode: inode, hash: XXHash64.hex(hash))
            digestsChanged = true
        }
        return (hash, size)
    }

    /// A model's identity: XXH64 over its `config.json` and `model.safetensors` content hashes and the
    /// precision its linear layers run at (bfloat16 features differ from float32 ones).
    public func modelHash(directory: URL, precision: WeightPrecision = .float32) throws -> UInt64 {
        let config = try contentHash(ofFileAt: directory.appendingPathComponent("config.json").path)
        let weights = try contentHash(ofFileAt: directory.appendingPathComponent("model.safetensors").path)
        var words = [config.hash, UInt64(bitPattern: config.byteCount), weights.hash, UInt64(bitPattern: weights.byteCount)].map(\.littleEndian)
        // float32 keeps the hash it always had, so existing cache entries stay valid.
        if precision != .float32 { words.append(XXHash64.hash(Data(precision.rawValue.utf8)).littleEndian) }
        return words.withUnsafeMutableBytes { XXHash64.hash(UnsafeRawBufferPointer($0)) }
    }

    /// Writes the remembered content hashes (at most 20,000 paths), atomically.
    public func saveDigests() {
        let snapshot: [String: Digest]? = lock.withLock {
            guard digestsChanged, var d = digests else { return nil }
            if d.count > 20_000 { d = Dictionary(uniqueKeysWithValues: d.prefix(20_000).map { ($0.key, $0.value) }) }
            digestsChanged = false
            return d
        }
        guard let snapshot, let data = try? JSONEncoder().encode(snapshot) else { return }
        try? FileManager.default.createDirectory(at: versionDirectory, withIntermediateDirectories: true)
        try? data.write(to: versionDirectory.appendingPathComponent("digests.json"), options: .atomic)
    }

    /// Call with the lock held.
    private func loadedDigests() -> [String: Digest] {
        if let digests { return digests }
        let url = versionDirectory.appendingPathComponent("digests.json")
        let loaded = (try? Data(contentsOf: url)).flatMap { try? JSONDecoder().decode([String: Digest].self, from: $0) } ?? [:]
        digests = loaded
        return loaded
    }
}
