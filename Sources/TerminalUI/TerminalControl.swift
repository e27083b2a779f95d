extension Unicode.Scalar {
    /// A C0 or C1 control character (U+0000–U+001F, U+007F–U+009F): bytes a terminal acts on
    /// instead of drawing. Text from files, models or the user is never written to the terminal
    /// with these in it.
    public var isTerminalControl: Bool { value < 0x20 || (0x7F...0x9F).contains(value) }
}
