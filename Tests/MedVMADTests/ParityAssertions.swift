import FixtureSupport
import Foundation
import Tensor
import XCTest

extension XCTestCase {
    /// Fails unless `a` has `e`'s size and every element is within `atol + rtol·|expected|` of it;
    /// the failure names `what` and the worst element.
    func assertClose(_ a: Tensor, _ e: Tensor, _ what: String, atol: Float, rtol: Float = 0, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, e.count, "\(what): size", file: file, line: line)
        guard a.count == e.count else { return }
        if let m = Compare.allClose(a.data, e.data, shape: e.shape, atol: atol, rtol: rtol) { XCTFail("\(what): \(m)", file: file, line: line) }
    }
}

/// Values the reference fixtures keep in their safetensors metadata.
enum FixtureMetadata {
    /// A metadata string holding a JSON array of `T` (nil when absent or of another form).
    static func array<T>(_ s: String?) -> [T]? {
        guard let s, let d = s.data(using: .utf8) else { return nil }
        return (try? JSONSerialization.jsonObject(with: d)) as? [T]
    }
}
