#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Token byte strings stored back to back in one buffer, with an open-addressing index from bytes
/// to id. Building the vocabulary this way allocates a handful of arrays instead of one per token
/// and compares bytes with `memcmp`, which keeps loading the 49,408-token CLIP vocabulary to about
/// a tenth of a second (hashing 50k non-ASCII Swift strings, which normalises them, took seconds).
struct TokenTable {
    private(set) var bytes: [UInt8] = []
    private(set) var starts: [Int] = []
    private(set) var lengths: [Int] = []
    private var slots: [Int32]
    private var mask: Int

    init(expectedCount: Int, expectedBytes: Int) {
        var capacity = 16
        while capacity < expectedCount * 2 { capacity <<= 1 }
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        bytes.reserveCapacity(expectedBytes)
        starts.reserveCapacity(expectedCount)
        lengths.reserveCapacity(expectedCount)
    }

    var count: Int { starts.count }

    /// The bytes of token `id`.
    func token(_ id: Int) -> ArraySlice<UInt8> { bytes[starts[id]..<starts[id] + lengths[id]] }

    /// Appends a token made of `left` followed by `right`; returns its id. When the same bytes
    /// were added before, the index now points at the new id (later duplicates win, as in a
    /// Python dict).
    @discardableResult
    mutating func append(_ left: ArraySlice<UInt8>, _ right: ArraySlice<UInt8> = []) -> Int {
        let start = bytes.count
        bytes.append(contentsOf: left)
        bytes.append(contentsOf: right)
        let id = starts.count
        starts.append(start)
        lengths.append(bytes.count - start)
        if id * 2 >= slots.count { grow() }
        slots[findSlot(of: id)] = Int32(id)
        return id
    }

    /// The id of the token spelled by `key`, if any.
    func id(of key: ArraySlice<UInt8>) -> Int32? {
        key.withUnsafeBufferPointer { k in
            lookup(hash: TokenTable.finish(TokenTable.hash(k)), count: k.count) { $0.count == k.count && equal($0, k) }
        }
    }

    /// The id of the concatenation of tokens `left` and `right`, if that is a token.
    func id(ofConcatenation left: Int, _ right: Int) -> Int32? {
        bytes.withUnsafeBufferPointer { all in
            let l = UnsafeBufferPointer(rebasing: all[starts[left]..<starts[left] + lengths[left]])
            let r = UnsafeBufferPointer(rebasing: all[starts[right]..<starts[right] + lengths[right]])
            let h = TokenTable.finish(TokenTable.hash(r, seed: TokenTable.hash(l)))
            return lookup(hash: h, count: l.count + r.count) { t in
                t.count == l.count + r.count && equal(UnsafeBufferPointer(rebasing: t[..<l.count]), l)
                    && equal(UnsafeBufferPointer(rebasing: t[l.count...]), r)
            }
        }
    }

    /// Probes from `hash` until an empty slot (nil) or a token accepted by `matches`.
    private func lookup(hash: UInt64, count: Int, _ matches: (UnsafeBufferPointer<UInt8>) -> Bool) -> Int32? {
        bytes.withUnsafeBufferPointer { all in
            slots.withUnsafeBufferPointer { table in
                var h = hash
                while true {
                    let s = table[Int(truncatingIfNeeded: h) & mask]
                    if s < 0 { return nil }
                    let id = Int(s)
                    if lengths[id] == count && matches(UnsafeBufferPointer(rebasing: all[starts[id]..<starts[id] + lengths[id]])) {
                        return s
                    }
                    h &+= 1
                }
            }
        }
    }

    /// The slot holding a token equal to token `id`, or the empty slot where it belongs.
    private func findSlot(of id: Int) -> Int {
        bytes.withUnsafeBufferPointer { all in
            let key = UnsafeBufferPointer(rebasing: all[starts[id]..<starts[id] + lengths[id]])
            var h = TokenTable.finish(TokenTable.hash(key))
            while true {
                let i = Int(truncatingIfNeeded: h) & mask
                let s = Int(slots[i])
                if s < 0 { return i }
                if lengths[s] == key.count && equal(UnsafeBufferPointer(rebasing: all[starts[s]..<starts[s] + lengths[s]]), key) {
                    return i
                }
                h &+= 1
            }
        }
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for id in 0..<starts.count { slots[findSlot(of: id)] = Int32(id) }
    }

    private func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }

    /// FNV-1a over the bytes (unmixed, so a hash can be continued with `seed`).
    static func hash(_ key: UnsafeBufferPointer<UInt8>, seed: UInt64 = 0xCBF2_9CE4_8422_2325) -> UInt64 {
        var h = seed
        for b in key { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }

    /// A final mix so the low bits used for slots are well spread.
    static func finish(_ h: UInt64) -> UInt64 {
        var x = h
        x ^= x >> 33
        x = x &* 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        return x
    }
}
