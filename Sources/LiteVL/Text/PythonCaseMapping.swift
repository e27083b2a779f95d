/// Lower-casing exactly as Python's `str.lower()` does it: the full (possibly multi-scalar)
/// lowercase mapping of each scalar, plus, for `lowercased(_:)`, the Final_Sigma rule.
enum PythonCaseMapping {
    /// Appends the full lowercase mapping of one scalar (what `c.lower()` gives for a
    /// one-character string: Σ becomes σ, never ς).
    @inline(__always)
    static func appendLowercase(of s: Unicode.Scalar, to output: inout [Unicode.Scalar]) {
        let v = s.value
        if v < 0x80 {
            output.append(v >= 0x41 && v <= 0x5A ? Unicode.Scalar(v + 32)! : s)
            return
        }
        let properties = s.properties
        if !properties.changesWhenLowercased {
            output.append(s)
            return
        }
        output.append(contentsOf: properties.lowercaseMapping.unicodeScalars)
    }

    /// `str.lower()` of a whole string: per-scalar full mapping, with capital sigma becoming ς
    /// when preceded by a cased letter and not followed by one (skipping case-ignorables), as
    /// CPython's `handle_capital_sigma` decides.
    static func lowercased(_ input: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(input.count)
        for (i, s) in input.enumerated() {
            if s.value == 0x3A3 {
                output.append(isFinalSigma(input, at: i) ? "\u{3C2}" : "\u{3C3}")
            } else {
                appendLowercase(of: s, to: &output)
            }
        }
        return output
    }

    private static func isFinalSigma(_ input: [Unicode.Scalar], at i: Int) -> Bool {
        var j = i - 1
        while j >= 0, input[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0, input[j].properties.isCased else { return false }
        j = i + 1
        while j < input.count, input[j].properties.isCaseIgnorable { j += 1 }
        return j == input.count || !input[j].properties.isCased
    }
}
