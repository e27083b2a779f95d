import CBLAS

/// Thin, typed wrappers over CBLAS.
public enum BLAS {
    /// C = alpha · A · op(B) + beta · C, row-major. `transposeB` selects op(B) = Bᵀ.
    ///
    /// A is M×K with row stride `lda`, B is K×N (or N×K when transposed) with row stride `ldb`,
    /// C is M×N with row stride `ldc`.
    @inline(__always)
    public static func sgemm(m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Sets the number of BLAS threads (OpenBLAS); a no-op elsewhere.
    public static func setThreads(_ n: Int) { litevl_blas_set_threads(Int32(n)) }

    /// The number of BLAS threads in use.
    public static var threads: Int { Int(litevl_blas_get_threads()) }

    /// Whether the BLAS is an OpenBLAS whose sgemm has the unpacked small-matrix kernels (the
    /// Skylake-X and Cooperlake cores); ``Linear`` slices few-row products to use them.
    public static let hasSmallMatrixKernel: Bool = {
        let config = configuration
        return config.hasPrefix("OpenBLAS") && (config.contains("SkylakeX") || config.contains("Cooperlake")
                                                || config.contains("SKYLAKEX") || config.contains("COOPERLAKE"))
    }()

    /// The BLAS library's description of itself (OpenBLAS's build and core).
    public static var configuration: String { String(cString: litevl_blas_config()) }
}
