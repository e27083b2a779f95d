/// Double → integer conversions for numbers that come from a file's header (durations, frame rates,
/// time bases): a value out of range saturates instead of trapping, NaN becomes 0.
extension FixedWidthInteger {
    /// `x` rounded toward zero, clamped to the type's range; NaN gives 0.
    init(saturating x: Double) {
        if x.isNaN { self = 0 }
        else if x >= Double(Self.max) { self = Self.max }
        else if x <= Double(Self.min) { self = Self.min }
        else { self = Self(x) }
    }
}
