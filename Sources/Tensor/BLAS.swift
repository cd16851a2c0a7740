import CBLAS

/// The one door to OpenBLAS. Every matrix product in the project goes through `gemm`.
public enum BLAS {
    /// `C[m,n] = alpha · op(A)[m,k] · op(B)[k,n] + beta · C`, all row-major.
    ///
    /// - Parameters:
    ///   - transA: `A` is stored as [k, m] and used transposed.
    ///   - transB: `B` is stored as [n, k] and used transposed (the layout of PyTorch `Linear` weights).
    ///   - lda, ldb, ldc: row strides of the stored matrices.
    @inlinable
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Threads OpenBLAS uses for one product.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// Runs `body` with OpenBLAS limited to `n` threads, restoring the previous count afterwards.
    ///
    /// Used where the caller itself spreads many small products over the cores (attention heads):
    /// letting OpenBLAS thread each small product as well only adds synchronisation.
    @inlinable
    public static func withThreads<R>(_ n: Int, _ body: () throws -> R) rethrows -> R {
        let previous = threads
        if previous == n { return try body() }
        threads = n
        defer { threads = previous }
        return try body()
    }

    /// The kernel family OpenBLAS picked at start-up ("Haswell", "SkylakeX", "Cooperlake", …).
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// OpenBLAS's build configuration string.
    public static var configuration: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p)
    }
}
