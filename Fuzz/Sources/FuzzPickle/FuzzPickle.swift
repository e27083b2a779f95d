import FuzzSupport
@testable import LiteVL  // StorageReference's memberwise initialiser; scripts/fuzz.sh builds with -enable-testing

/// The restricted unpickler alone, in memory (faster than going through a zip): the input is a
/// `data.pkl`. Persistent ids resolve to a storage of the stated type and size, as
/// TorchCheckpoint's resolver does once it has checked the archive.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let unpickler = Pickle(path: "fuzz/data.pkl") { (pid: PickleValue) throws(CheckpointError) -> PickleValue in
        guard case let .tuple(t) = pid, t.count == 5, t[0].string == "storage", case let .global(type) = t[1],
              let key = t[2].string, let count = t[4].int, count >= 0, count < 1 << 40,
              let dtype = StorageDType(rawValue: String(type.dropFirst("torch.".count))) else {
            throw .badPickle(path: "fuzz/data.pkl", reason: "bad persistent id")
        }
        return .storage(StorageReference(dtype: dtype, key: key, count: count))
    }
    _ = try? unpickler.load(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main enum Main { static func main() { FuzzSupport.runLibFuzzer(fuzz) } }
