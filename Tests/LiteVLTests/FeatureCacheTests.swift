import Foundation
import Testing
@testable import LiteVL

/// The search feature cache: its hash, its entry format, corruption, LRU eviction and content keys.
@Suite("Feature cache")
struct FeatureCacheTests {
    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("litevl-cache-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func sample(frames: Int = 3, seed: Float = 1) -> ClipFeatures {
        let u = Tensor(shape: [frames, 4], data: (0..<(frames * 4)).map { sin(Float($0) * seed) })
        let v = Tensor(shape: [frames, 5, 6], data: (0..<(frames * 30)).map { cos(Float($0) * 0.37 * seed) * 3 })
        return ClipFeatures(frameEmbeddings: u, features: v, scales: [0.5, -0.25], timestamps: (0..<frames).map { Double($0) * 0.5 },
                            duration: 2, thumbnailWidth: 2, thumbnailHeight: 1, thumbnail: [1, 2, 3, 4, 5, 6])
    }

    @Test("XXH64 gives the reference values")
    func xxhash() {
        #expect(XXHash64.hash(Data()) == 0xEF46DB3751D8E999)
        #expect(XXHash64.hash(Data("abc".utf8)) == 0x44BC2CF5AD770999)
        #expect(XXHash64.hash(Data("Nobody inspects the spammish repetition".utf8)) == 0xFBCEA83C8A378BF1)
        #expect(XXHash64.hex(0xAB) == "00000000000000ab")
    }

    @Test("an entry round-trips; V is stored as float16")
    func roundTrip() throws {
        let f = Self.sample()
        let back = try ClipFeatures(decoding: f.encoded())
        #expect(back == f)
        #expect(f.features.data.allSatisfy { Float(Float16($0)) == $0 })
    }

    @Test("damaged entries are refused: a flipped byte, a truncation, another magic")
    func corruption() {
        let data = Self.sample().encoded()
        for i in [0, 10, data.count / 2, data.count - 1] {
            var bad = data
            bad[i] ^= 0x5A
            #expect(throws: ClipFeatures.Corrupt.self) { try ClipFeatures(decoding: bad) }
        }
        #expect(throws: ClipFeatures.Corrupt.self) { try ClipFeatures(decoding: data.prefix(data.count - 9)) }
        #expect(throws: ClipFeatures.Corrupt.self) { try ClipFeatures(decoding: Data()) }
    }

    @Test("a forged header with a valid checksum and sizes whose products overflow is refused, not a trap")
    func forgedHeader() throws {
        let huge = 1 << 40
        // One frame (the header must list its timestamps), then positions x width = 2^80.
        let header = #"{"frames":1,"embedDim":4,"positions":\#(huge),"width":\#(huge),"scales":[],"timestamps":[0],"duration":1,"thumbnailWidth":0,"thumbnailHeight":0}"#
        var entry = Data("LVFC".utf8)
        withUnsafeBytes(of: UInt32(1).littleEndian) { entry.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(header.utf8.count).littleEndian) { entry.append(contentsOf: $0) }
        entry.append(Data(header.utf8))
        entry.append(Data(count: 64))
        withUnsafeBytes(of: XXHash64.hash(entry).littleEndian) { entry.append(contentsOf: $0) }
        #expect(throws: ClipFeatures.Corrupt.self) { try ClipFeatures(decoding: entry) }
    }

    @Test("a corrupt file in the cache is a miss, is deleted, and the next store replaces it")
    func corruptFileIsRebuilt() throws {
        let root = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = FeatureCache(root: root)
        let key = FeatureCache.Key(contentHash: 1, byteCount: 2, frames: 3, imageSize: 4, model: 5)
        try cache.store(Self.sample(), for: key)
        #expect(cache.load(key) == Self.sample())
        try Data("garbage".utf8).write(to: cache.url(for: key))
        #expect(cache.load(key) == nil)
        #expect(!FileManager.default.fileExists(atPath: cache.url(for: key).path))
        try cache.store(Self.sample(), for: key)
        #expect(cache.load(key) == Self.sample())
        #expect(cache.counters.corrupt == 1 && cache.counters.hits == 2)
    }

    @Test("over the limit, the least recently used entries go first")
    func lruEviction() throws {
        let root = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let entrySize = Int64(Self.sample().encoded().count)
        let cache = FeatureCache(root: root, limitBytes: entrySize * 3)
        let keys = (0..<4).map { FeatureCache.Key(contentHash: UInt64($0), byteCount: 1, frames: 3, imageSize: 4, model: 9) }
        for k in keys.prefix(3) {
            try cache.store(Self.sample(), for: k)
            // Distinct modification times, oldest first.
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -100 + Double(k.contentHash))],
                                                  ofItemAtPath: cache.url(for: k).path)
        }
        #expect(cache.load(keys[0]) != nil)   // key 0 becomes the most recently used
        try cache.store(Self.sample(), for: keys[3])
        #expect(cache.totalBytes <= entrySize * 3)
        #expect(FileManager.default.fileExists(atPath: cache.url(for: keys[0]).path))
        #expect(!FileManager.default.fileExists(atPath: cache.url(for: keys[1]).path))
        #expect(FileManager.default.fileExists(atPath: cache.url(for: keys[3]).path))
        #expect(cache.counters.evicted == 1)
    }

    @Test("content hashes follow the content, and are remembered across cache instances")
    func contentKeys() throws {
        let root = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("clip.mp4")
        try Data("first".utf8).write(to: file)
        let cache = FeatureCache(root: root.appendingPathComponent("cache"))
        let a = try cache.contentHash(ofFileAt: file.path)
        #expect(a.hash == XXHash64.hash(Data("first".utf8)) && a.byteCount == 5)
        cache.saveDigests()
        let again = try FeatureCache(root: root.appendingPathComponent("cache")).contentHash(ofFileAt: file.path)
        #expect(again.hash == a.hash)
        try Data("second".utf8).write(to: file)
        #expect(try cache.contentHash(ofFileAt: file.path).hash == XXHash64.hash(Data("second".utf8)))
    }

    @Test("a model's key depends on its precision; float32 keeps the key it always had")
    func modelKeyAndPrecision() throws {
        let root = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let model = root.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: model.appendingPathComponent("config.json"))
        try Data("weights".utf8).write(to: model.appendingPathComponent("model.safetensors"))
        let cache = FeatureCache(root: root.appendingPathComponent("cache"))
        let f32 = try cache.modelHash(directory: model), bf16 = try cache.modelHash(directory: model, precision: .bfloat16)
        #expect(f32 != bf16)
        var words = [XXHash64.hash(Data("{}".utf8)), 2, XXHash64.hash(Data("weights".utf8)), 7].map { UInt64($0).littleEndian }
        #expect(f32 == words.withUnsafeMutableBytes { XXHash64.hash(UnsafeRawBufferPointer($0)) })
    }

    @Test("the default location follows LITEVL_CACHE, then XDG_CACHE_HOME, then HOME")
    func defaultRoot() {
        #expect(FeatureCache.defaultRoot(environment: ["LITEVL_CACHE": "/a", "XDG_CACHE_HOME": "/b", "HOME": "/c"])?.path == "/a")
        #expect(FeatureCache.defaultRoot(environment: ["XDG_CACHE_HOME": "/b", "HOME": "/c"])?.path == "/b/litevl")
        #expect(FeatureCache.defaultRoot(environment: ["HOME": "/c"])?.path == "/c/.cache/litevl")
        #expect(FeatureCache.defaultRoot(environment: [:]) == nil)
    }
}
