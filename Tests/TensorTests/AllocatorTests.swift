import Foundation
import XCTest
@testable import Tensor

final class AllocatorTests: XCTestCase {
    static func minorFaults() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_minflt
    }

    /// Makes (zero-filled, so every page is written) and frees a `FloatBuffer`; returns the page faults it took.
    static func faultsOfOneBuffer(floats: Int) -> Int {
        let before = minorFaults()
        _ = FloatBuffer(count: floats)
        return minorFaults() - before
    }

    /// From glibc's starting state (blocks above 128 KiB mapped on request, unmapped on free) a
    /// 24 MB buffer made again faults on every page; after `reuseFreedBlocks` it reuses the freed
    /// heap memory and almost none of its 6,144 pages fault.
    func testFreedBlocksAreReusedWithoutPageFaults() throws {
        guard ProcessInfo.processInfo.environment["MALLOC_MMAP_THRESHOLD_"] == nil else {
            throw XCTSkip("MALLOC_MMAP_THRESHOLD_ is set: the user's own setting is kept")
        }
        let floats = 6 << 20, pages = floats * 4 / 4096
        XCTAssertTrue(Allocator.setMmapThreshold(bytes: 128 << 10))
        _ = Self.faultsOfOneBuffer(floats: floats)
        let mapped = Self.faultsOfOneBuffer(floats: floats)
        XCTAssertGreaterThan(mapped, pages * 9 / 10, "glibc's starting state maps a new block each time")

        XCTAssertTrue(Allocator.reuseFreedBlocks(), "glibc's mallopt accepts the setting")
        XCTAssertEqual(Allocator.heapBlockLimitBytes, 32 << 20)
        _ = Self.faultsOfOneBuffer(floats: floats)
        let reused = Self.faultsOfOneBuffer(floats: floats)
        XCTAssertLessThan(reused, pages / 10, "a 24 MB buffer made again took \(reused) page faults (\(pages) pages)")
    }
}
