import FuzzSupport
import LiteVL

/// The safetensors header and tensor table: the input is a whole `model.safetensors` file.
/// Opening must either succeed or throw `ModelError`; every tensor it accepts must then read
/// (float widening included) without touching memory outside the mapping.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzSupport.write(data, size, name: "model.safetensors")
    guard let file = try? SafeTensorsFile(path: path) else { return 0 }
    for name in file.entries.keys.sorted() {
        _ = try? file.floats(name)
        _ = try? file.integers(name)
        _ = try? file.tensor(name)
    }
    return 0
}

@main enum Main { static func main() { FuzzSupport.runLibFuzzer(fuzz) } }
