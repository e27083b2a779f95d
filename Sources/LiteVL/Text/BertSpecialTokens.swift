/// The ids of the special tokens a ``BertTokenizer`` inserts, recognises and skips.
///
/// The token *texts* are BERT's fixed spellings (``padText`` … ``encText``); only their ids are
/// configurable. The defaults, ``blip``, are those of bert-base-uncased plus the two tokens BLIP
/// adds after the 30,522-entry vocabulary: `[DEC]` (the decoder's beginning-of-sequence token)
/// and `[ENC]` (which replaces `[CLS]` in front of text fed to the multimodal encoder).
public struct BertSpecialTokens: Sendable, Hashable {
    /// The spelling of the padding token.
    public static let padText = "[PAD]"
    /// The spelling of the unknown-word token.
    public static let unknownText = "[UNK]"
    /// The spelling of the classification (start-of-sequence) token.
    public static let clsText = "[CLS]"
    /// The spelling of the separator (end-of-sequence) token.
    public static let sepText = "[SEP]"
    /// The spelling of the mask token.
    public static let maskText = "[MASK]"
    /// The spelling of BLIP's decoder beginning-of-sequence token.
    public static let decText = "[DEC]"
    /// The spelling of BLIP's multimodal-encoder token.
    public static let encText = "[ENC]"

    /// `[PAD]`, 0 in bert-base-uncased.
    public var pad: Int32
    /// `[UNK]`, 100 in bert-base-uncased.
    public var unknown: Int32
    /// `[CLS]`, 101 in bert-base-uncased.
    public var cls: Int32
    /// `[SEP]`, 102 in bert-base-uncased.
    public var sep: Int32
    /// `[MASK]`, 103 in bert-base-uncased.
    public var mask: Int32
    /// `[DEC]`, added by BLIP as 30522.
    public var dec: Int32
    /// `[ENC]`, added by BLIP as 30523.
    public var enc: Int32

    /// Creates a set of special token ids; every parameter defaults to BLIP's value.
    public init(pad: Int32 = 0, unknown: Int32 = 100, cls: Int32 = 101, sep: Int32 = 102,
                mask: Int32 = 103, dec: Int32 = 30522, enc: Int32 = 30523) {
        self.pad = pad
        self.unknown = unknown
        self.cls = cls
        self.sep = sep
        self.mask = mask
        self.dec = dec
        self.enc = enc
    }

    /// BLIP's special tokens: pad 0, unk 100, cls 101, sep 102, mask 103, dec 30522, enc 30523.
    public static let blip = BertSpecialTokens()

    /// Every special token as (text, id), in the order pad, unk, cls, sep, mask, dec, enc.
    public var entries: [(text: String, id: Int32)] {
        [(Self.padText, pad), (Self.unknownText, unknown), (Self.clsText, cls), (Self.sepText, sep),
         (Self.maskText, mask), (Self.decText, dec), (Self.encText, enc)]
    }
}
