import Foundation
import LiteVL
import TerminalUI
import VideoDecoding

/// Search features of video files for one model: read from the ``FeatureCache`` when the file's
/// content, the model, the frame count and the input size match, else decoded, encoded and stored.
/// Used by `litevl search` and the app's library view. Thread-safe.
final class ClipIndex: @unchecked Sendable {
    let session: ModelSession
    let cache: FeatureCache?
    let retriever: TextVideoRetriever
    /// The model's cache key part, computed on first use: hashing the weights is not start-up work
    /// for an app that may never open its library (nil inside: no cache, or the files are unreadable).
    private var modelHashMemo: UInt64??
    private let lock = NSLock()
    private var tally = Counts()
    /// Features computed or loaded in this process, by path (with the content key they had).
    private var memo: [String: (key: FeatureCache.Key?, features: ClipFeatures)] = [:]

    /// How many clips were decoded and encoded, or read from the cache.
    struct Counts: Equatable {
        var decoded = 0
        var cached = 0
    }

    /// The largest side of the stored thumbnail.
    static let thumbnailWidth = 64, thumbnailHeight = 48

    /// Warnings go to standard error for the commands; the app collects them (``takeWarning()``)
    /// instead, since its screen is the terminal and a line on standard error would be drawn over it.
    let collectsWarnings: Bool
    private var pendingWarning: String?

    init(session: ModelSession, cache: FeatureCache?, collectsWarnings: Bool = false) {
        self.session = session
        self.cache = cache
        self.collectsWarnings = collectsWarnings
        retriever = TextVideoRetriever(model: session.answerer.model, tokenizer: session.answerer.tokenizer)
    }

    private var modelHash: UInt64? {
        lock.withLock {
            if let memo = modelHashMemo { return memo }
            let hash = try? cache?.modelHash(directory: session.directory, precision: session.answerer.model.precision)
            modelHashMemo = .some(hash)
            return hash
        }
    }

    /// Whether the cache-write warning was printed.
    private var cacheWarned = false

    var counts: Counts { lock.withLock { tally } }

    private func warn(_ message: String) {
        if collectsWarnings { lock.withLock { pendingWarning = "warning: " + message } } else { printNote("litevl: warning: " + message) }
    }

    /// The warning collected since the last call (app mode), if any.
    func takeWarning() -> String? { lock.withLock { defer { pendingWarning = nil }; return pendingWarning } }

    /// The features of the video at `path`. Throws a one-line reason when it cannot be decoded.
    func features(path: String) throws(CommandFailure) -> ClipFeatures {
        var key: FeatureCache.Key?
        if let cache, let modelHash, let digest = try? cache.contentHash(ofFileAt: path) {
            key = FeatureCache.Key(contentHash: digest.hash, byteCount: digest.byteCount, frames: session.frames,
                                   imageSize: session.config.vision.imageSize, model: modelHash)
        }
        if let m = lock.withLock({ memo[path] }), key == nil || m.key == key { return m.features }
        if let key, let hit = cache?.load(key) {
            lock.withLock { tally.cached += 1; memo[path] = (key, hit) }
            return hit
        }
        let made: ClipFeatures
        made = try encode(path: path)
        if let key, let cache {
            do { try cache.store(made, for: key) } catch {
                // Once per run, with the cause; every clip would fail the same way.
                let first = lock.withLock { () -> Bool in defer { cacheWarned = true }; return !cacheWarned }
                if first {
                    // Entries go to ROOT/v1/…: a file at ROOT or above is what is in the way.
                    let entry = cache.root.appendingPathComponent("v1/entry").path
                    warn("cannot write the feature cache in \(cache.root.path): \(FileProblem.reason(error, path: entry)); features are computed but not kept (--cache DIR picks another folder)")
                }
            }
        }
        lock.withLock { tally.decoded += 1; memo[path] = (key, made) }
        return made
    }

    /// Decodes and encodes a clip.
    private func encode(path: String) throws(CommandFailure) -> ClipFeatures {
        let c = session.config
        let sampler = FrameSampler(count: session.frames, size: c.vision.imageSize,
                                   thumbnailMaxWidth: Self.thumbnailWidth, thumbnailMaxHeight: Self.thumbnailHeight,
                                   normalization: c.normalization)
        let clip: SampledClip
        do { clip = try sampler.sample(path: path) } catch { throw CommandFailure(message: error.description, code: 1) }
        let video = try session.encode(clip)
        let middle = clip.frames[clip.frames.count / 2].thumbnail
        return ClipFeatures(model: session.answerer.model, video: video, timestamps: clip.frames.map(\.timestamp),
                            duration: clip.probe.duration, thumbnailWidth: middle.width, thumbnailHeight: middle.height,
                            thumbnail: middle.pixels)
    }

    /// Writes the remembered content hashes.
    func flush() { cache?.saveDigests() }
}

/// The video files under some paths: files as given, folders searched recursively for video
/// file names (hidden entries skipped), sorted, each once.
enum VideoPaths {
    static func expand(_ paths: [String]) -> (files: [String], missing: [String]) {
        var files: [String] = [], missing: [String] = []
        var seen = Set<String>()
        let fm = FileManager.default
        func add(_ p: String) {
            let key = URL(fileURLWithPath: p).standardizedFileURL.path
            if seen.insert(key).inserted { files.append(p) }
        }
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { missing.append(path); continue }
            guard isDirectory.boolValue else { add(path); continue }
            var found: [String] = []
            // A folder given as a symlink is searched where it points; the files keep the name given.
            let base = URL(fileURLWithPath: path).resolvingSymlinksInPath()
            let given = path.hasSuffix("/") ? String(path.dropLast()) : path
            if let e = fm.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]) {
                for case let url as URL in e where isVideo(url.lastPathComponent) {
                    // Symlinked files (git-annex, DVC, Hugging Face caches) count when they point at a file;
                    // symlinked folders inside are not followed (no loops).
                    if (try? url.resolvingSymlinksInPath().resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
                        let relative = url.path.hasPrefix(base.path + "/") ? String(url.path.dropFirst(base.path.count + 1)) : url.lastPathComponent
                        found.append(given + "/" + relative)
                    }
                }
            }
            found.sort()
            found.forEach(add)
        }
        return (files, missing)
    }

    static func isVideo(_ name: String) -> Bool { DirectoryListing.isVideo(name) }
}
