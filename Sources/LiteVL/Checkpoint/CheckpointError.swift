/// Everything that can go wrong reading a PyTorch checkpoint or converting it, each with a
/// one-line message that names the file, what is wrong and, where there is one, what to do.
public enum CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file does not exist.
    case fileMissing(path: String)
    /// The file cannot be opened or mapped.
    case unreadable(path: String, reason: String)
    /// Not a zip archive (or a damaged one).
    case notZip(path: String, reason: String)
    /// The pre-1.6 pickle-sequence format of `torch.save(..., _use_new_zipfile_serialization=False)`.
    case legacyFormat(path: String)
    /// An entry name that could escape a directory (`..`, absolute paths).
    case unsafeEntryName(path: String, name: String)
    /// A compressed or encrypted entry: torch.save stores every entry uncompressed.
    case unsupportedEntry(path: String, name: String, reason: String)
    /// Structural damage: sizes or offsets that do not fit the file, missing entries.
    case corrupt(path: String, reason: String)
    /// A Python global outside the allow-list; nothing was executed.
    case forbiddenGlobal(path: String, global: String)
    /// A pickle opcode outside the supported subset.
    case forbiddenOpcode(path: String, opcode: String, offset: Int)
    /// A pickle that is malformed or uses an allowed global in a way a state dict never does.
    case badPickle(path: String, reason: String)
    /// A tensor whose shape, strides or storage do not fit together.
    case badTensor(path: String, name: String, reason: String)
    /// No dictionary of tensors found.
    case noStateDict(path: String, keys: [String])
    /// The checkpoint has no answer decoder (a retrieval or pre-training checkpoint).
    case noAnswerDecoder(path: String)
    /// The tensors do not form a model the engine can run, or an option does not fit them.
    case conversion(path: String, reason: String)

    public var description: String {
        switch self {
        case let .fileMissing(path):
            return "checkpoint not found: \(path) (check the path)"
        case let .unreadable(path, reason):
            return "cannot read \(path): \(reason)"
        case let .notZip(path, reason):
            return "\(path) is not a PyTorch checkpoint (a zip archive written by torch.save since PyTorch 1.6): \(reason)"
        case let .legacyFormat(path):
            return "\(path) uses PyTorch's legacy (pre-1.6) serialization; re-save it with torch.save in PyTorch ≥ 1.6 (the default format)"
        case let .unsafeEntryName(path, name):
            return "refusing to load \(path): it holds an entry named \(name), which points outside the archive"
        case let .unsupportedEntry(path, name, reason):
            return "refusing to load \(path): entry \(name) is \(reason); torch.save stores every entry uncompressed (re-save with torch.save)"
        case let .corrupt(path, reason):
            return "\(path) is damaged: \(reason) (truncated download? fetch it again)"
        case let .forbiddenGlobal(path, global):
            return "refusing to load \(path): it names the Python global \(global), which a checkpoint of weights never needs"
        case let .forbiddenOpcode(path, opcode, offset):
            return "refusing to load \(path): its pickle uses the opcode \(opcode) (at byte \(offset)), which a checkpoint of weights never needs"
        case let .badPickle(path, reason):
            return "refusing to load \(path): \(reason)"
        case let .badTensor(path, name, reason):
            return "\(path): tensor \(name) \(reason) (a damaged download, or not a BLIP/LiteVL checkpoint)"
        case let .noStateDict(path, keys):
            let shown = keys.prefix(8).joined(separator: ", ")
            return "\(path) holds no state dict (a dictionary of tensors at the top level or under 'model', 'state_dict' or 'module'); top-level keys: \(shown.isEmpty ? "none" : shown)"
        case let .noAnswerDecoder(path):
            return "\(path) has no text_decoder: it is a retrieval or pre-training checkpoint (like model_base_retrieval_coco.pth) and cannot answer questions; convert a VQA checkpoint (model_base_vqa_capfilt_large.pth) instead (retrieval support comes later)"
        case let .conversion(path, reason):
            return "cannot convert \(path): \(reason)"
        }
    }
}
