import FuzzSupport
import Foundation
import LiteVL

/// BERT's vocabulary (bert-base-uncased + [DEC]/[ENC]), loaded once.
let tokenizer: BertTokenizer = {
    let url = URL(fileURLWithPath: FuzzSupport.repositoryRoot() + "/Assets/vocab.txt")
    do { return try BertTokenizer(contentsOf: url) } catch { fatalError("cannot load \(url.path): \(error)") }
}()

/// The WordPiece tokenizer on arbitrary bytes. The first byte picks what is exercised:
/// question/answer encoding of the rest as (lossily decoded) UTF-8, decoding the rest as token
/// ids, or loading the rest as a vocab.txt file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let rest = UnsafeBufferPointer(start: data + 1, count: size - 1)
    switch data[0] % 4 {
    case 0, 1:
        let text = String(decoding: rest, as: UTF8.self)
        let ids = tokenizer.encodeQuestion(text, for: data[0] % 2 == 0 ? .multimodal : .textOnly)
        precondition(ids.count <= BertTokenizer.questionMaxLength && ids.count >= 2)
        let all = tokenizer.tokenIDs(text)
        // ids lie in the vocabulary or are BLIP's two added tokens ([DEC] = 30522, [ENC] = 30523)
        precondition(all.allSatisfy { $0 >= 0 && Int($0) < tokenizer.vocabulary.count + 2 })
        _ = tokenizer.tokenize(text)
        _ = tokenizer.encodeAnswer(text)
        _ = tokenizer.decode(all)
    case 2:
        var ids: [Int32] = []
        var i = 0
        while i + 4 <= rest.count {
            ids.append(Int32(bitPattern: UInt32(rest[i]) | UInt32(rest[i + 1]) << 8 | UInt32(rest[i + 2]) << 16 | UInt32(rest[i + 3]) << 24))
            i += 4
        }
        _ = tokenizer.decode(ids, skipSpecialTokens: data[0] & 4 == 0, cleanUpTokenizationSpaces: data[0] & 8 == 0)
    default:
        let path = FuzzSupport.write(data + 1, size - 1, name: "vocab.txt")
        if let vocabulary = try? WordPieceVocabulary(contentsOf: URL(fileURLWithPath: path)) {
            let small = BertTokenizer(vocabulary: vocabulary)
            _ = small.tokenIDs("what is the man holding? unaffable [SEP] héllo 你好")
        }
    }
    return 0
}

@main enum Main { static func main() { FuzzSupport.runLibFuzzer(fuzz) } }
