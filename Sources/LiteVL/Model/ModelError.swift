import Foundation

/// Everything that can go wrong loading or running a model, each with a one-line message that
/// says what went wrong, in which file or tensor, and what to do.
public enum ModelError: Error, CustomStringConvertible, Equatable, Sendable {
    case fileMissing(path: String, what: String)
    case unreadable(path: String, reason: String)
    case badWeightsFile(path: String, reason: String)
    case missingTensor(path: String, name: String)
    case unexpectedTensors(path: String, names: [String])
    case wrongShape(path: String, name: String, expected: [Int], found: [Int])
    case unsupportedDType(path: String, name: String, dtype: String)
    case badConfig(path: String, reason: String)
    case badInput(String)
    /// The model computed NaN or infinite values (`stage` says where): its weights or config are damaged.
    case nonFinite(path: String, stage: String)
    /// The model cannot do what was asked (`reason` says why and what to use instead).
    case unsupported(path: String, reason: String)

    /// The `what` of a missing answer list (``fileMissing(path:what:)``).
    public static let answerListFile = "answer list"

    public var description: String {
        switch self {
        case let .fileMissing(path, what) where what == ModelError.answerListFile:
            // Only a list named with --answers can be missing: a model's own answers.txt is optional.
            return "\(what) not found: \(path) (check the --answers path)"
        case let .fileMissing(path, what):
            return "\(what) not found: \(path) (check the path, or pass --model DIR with model.safetensors, config.json and vocab.txt)"
        case let .unreadable(path, reason):
            return "cannot read \(path): \(reason)"
        case let .badWeightsFile(path, reason):
            return "\(path) is not a valid safetensors file: \(reason) (re-download or re-export the model)"
        case let .missingTensor(path, name):
            return "\(path) lacks tensor \(name) that the config requires (the weights do not match config.json)"
        case let .unexpectedTensors(path, names):
            let shown = names.prefix(3).joined(separator: ", ") + (names.count > 3 ? ", … (\(names.count) in all)" : "")
            return "\(path) has tensors the config does not use: \(shown) (the weights do not match config.json)"
        case let .wrongShape(path, name, expected, found):
            return "\(path): tensor \(name) has shape \(found), config.json implies \(expected) (the weights do not match config.json)"
        case let .unsupportedDType(path, name, dtype):
            return "\(path): tensor \(name) has dtype \(dtype); only F32, F16 and BF16 are supported"
        case let .badConfig(path, reason):
            return "\(path) is not a valid LiteVL config: \(reason) (fix it, or use the config.json the weights were exported with)"
        case let .badInput(reason):
            return reason
        case let .unsupported(path, reason):
            return "\(path): \(reason)"
        case let .nonFinite(path, stage):
            return "\(path): the model computed NaN or infinite values in \(stage), so its weights or config.json are damaged (re-download or re-export the model)"
        }
    }
}

extension ModelError {
    /// Why reading the model file at `url` failed: missing, a directory, or unreadable (`error`).
    static func readFailure(_ url: URL, what: String, _ error: any Error) -> ModelError {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return .fileMissing(path: url.path, what: what) }
        if isDirectory.boolValue { return .unreadable(path: url.path, reason: "it is a directory, not a file") }
        let posix = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError).flatMap { $0.domain == NSPOSIXErrorDomain ? $0 : nil }
        return .unreadable(path: url.path, reason: posix.map { String(cString: strerror(Int32($0.code))).lowercased() } ?? error.localizedDescription)
    }
}
