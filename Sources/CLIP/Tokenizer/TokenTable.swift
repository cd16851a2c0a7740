/// Token byte strings stored back to back in one buffer, with an open-addressing index from bytes
/// to id. Building the vocabulary this way allocates a handful of arrays instead of one per token,
/// which keeps loading the 49,408-token CLIP vocabulary to a few milliseconds.
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

    /// Appends a token made of `parts` concatenated; returns its id. When the same bytes were
    /// added before, the index now points at the new id (later duplicates win, as in a Python dict).
    @discardableResult
    mutating func append(_ parts: ArraySlice<UInt8>...) -> Int {
        let start = bytes.count
        for p in parts { bytes.append(contentsOf: p) }
        let id = starts.count
        starts.append(start)
        lengths.append(bytes.count - start)
        if id * 2 >= slots.count { grow() }
        let slot = findSlot(start: start, length: bytes.count - start)
        slots[slot] = Int32(id)
        return id
    }

    /// The id of the token spelled by `key`, if any. (Concrete slice types rather than generics:
    /// unspecialised generic byte loops made loading ten times slower in debug builds.)
    func id(of key: ArraySlice<UInt8>) -> Int32? {
        var h = TokenTable.hash(key)
        while true {
            let s = slots[Int(truncatingIfNeeded: h) & mask]
            if s < 0 { return nil }
            if lengths[Int(s)] == key.count && bytes[starts[Int(s)]..<starts[Int(s)] + lengths[Int(s)]].elementsEqual(key) { return s }
            h &+= 1
        }
    }

    /// The id of two tokens' concatenation, if that is a token.
    func id(ofConcatenation left: Int, _ right: Int) -> Int32? {
        let l = token(left)
        let r = token(right)
        var h = TokenTable.finish(TokenTable.hash(r, seed: TokenTable.hash(l, finish: false), finish: false))
        let total = l.count + r.count
        while true {
            let s = slots[Int(truncatingIfNeeded: h) & mask]
            if s < 0 { return nil }
            let t = token(Int(s))
            if t.count == total && t.prefix(l.count).elementsEqual(l) && t.suffix(r.count).elementsEqual(r) { return s }
            h &+= 1
        }
    }

    private func findSlot(start: Int, length: Int) -> Int {
        let key = bytes[start..<start + length]
        var h = TokenTable.hash(key)
        while true {
            let i = Int(truncatingIfNeeded: h) & mask
            let s = slots[i]
            if s < 0 || (lengths[Int(s)] == length && token(Int(s)).elementsEqual(key)) { return i }
            h &+= 1
        }
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for id in 0..<starts.count { slots[findSlot(start: starts[id], length: lengths[id])] = Int32(id) }
    }

    /// FNV-1a over the bytes, then a final mix so the low bits used for slots are well spread.
    static func hash(_ key: ArraySlice<UInt8>, seed: UInt64 = 0xCBF2_9CE4_8422_2325, finish mix: Bool = true) -> UInt64 {
        var h = seed
        key.withUnsafeBufferPointer { buf in
            for b in buf { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        }
        return mix ? finish(h) : h
    }

    static func finish(_ h: UInt64) -> UInt64 {
        var x = h
        x ^= x >> 33
        x = x &* 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        return x
    }
}
