import ArgumentParser
import Foundation
import LiteVL

/// `--cache DIR`, `--cache-size MB`, `--no-cache`: where search features are kept (docs/retrieval.md).
struct CacheOptions: ParsableArguments {
    @Option(name: .customLong("cache"), help: "Feature cache directory. Default: $LITEVL_CACHE, else $XDG_CACHE_HOME/litevl, else ~/.cache/litevl.")
    var directory: String?

    @Option(name: .customLong("cache-size"), parsing: .unconditional, help: "Largest size of the feature cache in MB; least recently used clips are evicted beyond it.")
    var sizeMB: Int = 512

    @Flag(name: .customLong("no-cache"), help: "Neither read nor write the feature cache.")
    var disabled = false

    /// The largest `--cache-size`: 1 PiB in MB, far beyond any disk, and its bytes still fit an Int64.
    static let maxSizeMB = 1 << 30

    /// A bad `--cache-size` ends the command before anything loads.
    func validate() throws {
        guard (1...Self.maxSizeMB).contains(sizeMB) else {
            throw ValidationError("--cache-size must be between 1 and \(Self.maxSizeMB) (MB), not \(sizeMB)")
        }
    }

    /// The cache these options name, or nil (disabled, or no home directory to put it in).
    func cache() -> FeatureCache? {
        if disabled { return nil }
        guard let root = directory.map({ URL(fileURLWithPath: $0) }) ?? FeatureCache.defaultRoot() else { return nil }
        return FeatureCache(root: root, limitBytes: Int64(sizeMB) << 20)
    }
}
