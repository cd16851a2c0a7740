import CBLAS
#if canImport(Glibc)
import Glibc
#endif

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

    /// How long OpenBLAS's idle worker threads spin before they sleep, as the exponent `e` of 2^e
    /// CPU cycles (OpenBLAS's `OPENBLAS_THREAD_TIMEOUT`), or nil where this OpenBLAS build does not say.
    public static var idleSpinExponent: Int? {
        guard let f = openBLASSymbol("openblas_thread_timeout", as: (@convention(c) () -> Int32).self) else { return nil }
        return Int(f())
    }

    /// Makes OpenBLAS's idle worker threads go to sleep almost at once instead of spinning.
    ///
    /// After each product OpenBLAS's pthread build keeps its workers polling (`sched_yield`) for
    /// 2^28 cycles, about 0.1 s, before they sleep. Between its products this project runs its own
    /// parallel loops (attention heads, LayerNorm, activations, softmax) on the same cores, so the
    /// polling threads take cycles from them: `perf` showed 8–10 % of a batch-1 ViT-L forward in
    /// `__schedule`/`sched_yield` on 2 cores, and the forward was 7 % faster with 2^4 cycles (see
    /// the README's performance section). Waking a sleeping worker costs microseconds per product.
    ///
    /// OpenBLAS reads `OPENBLAS_THREAD_TIMEOUT` once, when it loads; this sets it (unless the user
    /// already did, which is left alone), re-reads it and restarts the thread pool so it applies.
    /// Returns whether it changed anything. Not for use while another thread is inside OpenBLAS.
    @discardableResult
    public static func limitIdleSpinning(exponent: Int = 4) -> Bool {
        if getenv("OPENBLAS_THREAD_TIMEOUT") != nil { return false }
        typealias Call = @convention(c) () -> Int32
        guard let readEnv = openBLASSymbol("openblas_read_env", as: (@convention(c) () -> Void).self),
              let shutdown = openBLASSymbol("blas_thread_shutdown_", as: Call.self),
              let start = openBLASSymbol("blas_thread_init", as: Call.self) else { return false }
        setenv("OPENBLAS_THREAD_TIMEOUT", String(min(30, max(4, exponent))), 0)
        readEnv()
        _ = shutdown()
        _ = start()
        return true
    }

    /// A function OpenBLAS exports beyond the CBLAS interface (pthread builds), looked up at run time
    /// so that other builds (OpenMP, other BLAS) still link and simply skip the tuning.
    static func openBLASSymbol<F>(_ name: String, as type: F.Type) -> F? {
        RuntimeSymbol.function(name, as: type)
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
