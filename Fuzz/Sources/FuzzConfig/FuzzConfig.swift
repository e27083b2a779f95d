import FuzzSupport
import Foundation
import LiteVL

/// config.json: `LiteVLConfig.load` (JSONDecoder + the model's own decoding + validation). A config
/// that validates must also give sane derived numbers (grid size, patch count).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzSupport.write(data, size, name: "config.json")
    guard let config = try? LiteVLConfig.load(from: URL(fileURLWithPath: path)) else { return 0 }
    precondition(config.validationProblem == nil)
    precondition(config.vision.gridSize > 0 && config.vision.patchCount > 0)
    _ = try? JSONEncoder().encode(config)
    return 0
}

@main enum Main { static func main() { FuzzSupport.runLibFuzzer(fuzz) } }
