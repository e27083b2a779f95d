/// LiteVL: video question answering with BLIP's image-language model turned into a video model.
///
/// The module holds the model core only: tensors and kernels on BLAS, the ViT with temporal
/// attention and dynamic temporal scaling, the text encoder and answer decoder, text-dependent
/// pooling, the tokenizer and the weights format. It has no UI and no video decoding.
public enum LiteVLInfo {
    /// The version of the engine.
    public static let version = "0.1.0"
}
