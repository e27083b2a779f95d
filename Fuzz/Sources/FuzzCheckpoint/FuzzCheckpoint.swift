import FuzzSupport
import LiteVL

/// The PyTorch checkpoint reader end to end: zip directory (ZipArchive), restricted unpickler
/// (Pickle), storage/stride validation (TorchCheckpoint), then every tensor of the state dict read
/// as floats. Must either succeed or throw `CheckpointError`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzSupport.write(data, size, name: "checkpoint.pth")
    guard let checkpoint = try? TorchCheckpoint(path: path) else { return 0 }
    guard let (_, tensors) = try? checkpoint.stateDict() else { return 0 }
    var budget = 1 << 22  // elements read per input, so a legal but large tensor cannot time out
    for (_, tensor) in tensors where tensor.count <= budget {
        budget -= tensor.count
        _ = tensor.floats()
        _ = tensor.contiguousBytes
    }
    return 0
}

@main enum Main { static func main() { FuzzSupport.runLibFuzzer(fuzz) } }
