/// Safety limits for reading a checkpoint's pickle. A pickle is a program for a small stack
/// machine; these bound the memory and time a hostile or corrupt one can take. The defaults are
/// far above what real checkpoints need (OpenAI's ViT-L/14 TorchScript archive needs a few
/// thousand of each).
public struct PickleLimits: Sendable, Equatable {
    /// Largest pickle record read into memory, in bytes.
    public var maxPickleBytes: Int
    /// Most memo entries (`PUT`/`MEMOIZE`).
    public var maxMemoEntries: Int
    /// Most values and marks on the stack at once.
    public var maxStackDepth: Int
    /// Most values created, and most values visited when flattening the result to names.
    public var maxObjects: Int
    /// Deepest nesting of containers and modules when flattening to dotted names.
    public var maxNesting: Int

    /// Limits with the given values; every argument defaults to the standard limit.
    public init(maxPickleBytes: Int = 1 << 30, maxMemoEntries: Int = 4_000_000, maxStackDepth: Int = 1_000_000,
                maxObjects: Int = 50_000_000, maxNesting: Int = 256) {
        self.maxPickleBytes = maxPickleBytes
        self.maxMemoEntries = maxMemoEntries
        self.maxStackDepth = maxStackDepth
        self.maxObjects = maxObjects
        self.maxNesting = maxNesting
    }

    /// The defaults.
    public static let standard = PickleLimits()
}
