import Synchronization

/// Memoised BPE results per piece, shared by copies of a tokenizer and safe across tasks. Keyed
/// by UTF-8 bytes: `String` keys compare canonically equivalent spellings as equal, which would
/// hand one spelling the other's ids.
final class BPECache: Sendable {
    /// Entries kept before the cache starts over (bounds memory on endless distinct input).
    static let capacity = 100_000
    private let storage = Mutex<[[UInt8]: [Int32]]>([:])

    func lookup(_ piece: [UInt8]) -> [Int32]? { storage.withLock { $0[piece] } }

    func store(_ piece: [UInt8], _ ids: [Int32]) {
        storage.withLock { table in
            if table.count >= BPECache.capacity { table.removeAll(keepingCapacity: true) }
            table[piece] = ids
        }
    }
}
