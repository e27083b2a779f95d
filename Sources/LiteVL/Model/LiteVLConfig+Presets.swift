extension LiteVLConfig {
    /// BLIP-base widths and depths (ViT-B/16, 12 + 12 + 12 layers, 768 wide) with LiteVL's
    /// temporal branch, at `imageSize` and `frames`: the size the performance goals are set at.
    public static func blipBase(imageSize: Int = 224, frames: Int = 8) -> LiteVLConfig {
        let text = Text(vocabSize: 30524, hidden: 768, layers: 12, heads: 12, intermediate: 3072, maxPositions: 512, eps: 1e-12)
        return LiteVLConfig(
            name: "LiteVL BLIP-base (random weights)",
            vision: Vision(imageSize: imageSize, patchSize: 16, width: 768, depth: 12, heads: 12, mlpDim: 3072, eps: 1e-6,
                           numFrames: frames, temporal: .dynamic),
            text: text, decoder: text, embedDim: 256)
    }

    /// A memberwise initialiser with BLIP's defaults for everything else.
    public init(name: String, vision: Vision, text: Text, decoder: Text, embedDim: Int,
                pooling: Pooling = Pooling(enabled: true, tau: 0.07)) {
        self.modelType = "litevl"
        self.name = name
        self.vision = vision
        self.text = text
        self.decoder = decoder
        self.embedDim = embedDim
        self.pooling = pooling
        self.maxQuestionTokens = 35
        self.labelSmoothing = 0.1
        self.imageMean = [0.48145466, 0.4578275, 0.40821073]
        self.imageStd = [0.26862954, 0.26130258, 0.27577711]
        self.specialTokens = SpecialTokens()
    }
}
