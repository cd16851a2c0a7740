import Checkpoint
import FixtureSupport
import Foundation
import Metrics
import XCTest

/// Parity with scikit-learn / the MedVMAD evaluation on every `metrics-reference.safetensors`.
final class MetricsFixtureTests: XCTestCase {
    /// The references are float64 from scikit-learn and numpy on the same float32 inputs; the only
    /// differences left are summation order (~1e-15), so 1e-6 is the fixtures' stated bound with room.
    let tolerance = 1e-6

    struct Case {
        let name: String
        let n: Int, height: Int, width: Int
        let masks: [UInt8]
        let maps: [Float]
        let labels: [Bool]
        let imageScores: [Float]
        let expected: [String: Double]
    }

    func loadCases() throws -> [(URL, [Case])] {
        let files = Fixtures.files(named: "metrics-reference.safetensors")
        XCTAssertFalse(files.isEmpty, "no metrics-reference.safetensors under \(Fixtures.roots.map(\.path))")
        return try files.map { url in
            print("metrics fixture: \(url.path)")
            let file = try SafetensorsFile(path: url.path)
            let prefixes = file.names.filter { $0.hasSuffix(".maps") }.map { String($0.dropLast(".maps".count)) }.sorted()
            XCTAssertFalse(prefixes.isEmpty, "\(url.path) holds no caseN.maps")
            let cases = try prefixes.map { key -> Case in
                let maps = try file.tensor("\(key).maps")
                let masks = try file.integers("\(key).masks")
                XCTAssertEqual(maps.shape.count, 3, "\(url.path): \(key).maps is not [n,H,W]")
                XCTAssertEqual(masks.shape, maps.shape, "\(url.path): \(key).masks shape")
                var expected: [String: Double] = [:]
                for metric in ["image_auroc", "image_ap", "pixel_auroc", "pixel_ap", "pixel_aupro"] {
                    expected[metric] = try file.scalar("\(key).expected.\(metric)")
                }
                return Case(
                    name: key, n: maps.shape[0], height: maps.shape[1], width: maps.shape[2],
                    masks: masks.values.map { UInt8($0) }, maps: maps.data,
                    labels: try file.integers("\(key).labels").values.map { $0 != 0 },
                    imageScores: try file.tensor("\(key).image_scores").data, expected: expected)
            }
            return (url, cases)
        }
    }

    func check(_ result: MetricResult, _ expected: Double?, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let expected else { return XCTFail("\(what): no reference", file: file, line: line) }
        guard let v = result.value else { return XCTFail("\(what): \(result), expected \(expected)", file: file, line: line) }
        print("  \(what): \(v) vs \(expected) (diff \(v - expected))")
        XCTAssertEqual(v, expected, accuracy: tolerance, "\(what): got \(v), expected \(expected), diff \(v - expected)", file: file, line: line)
    }

    func testInMemoryAPIMatchesReference() throws {
        for (url, cases) in try loadCases() {
            for c in cases {
                let tag = "\(url.lastPathComponent) \(c.name)"
                let image = try RankingMetrics.evaluate(scores: c.imageScores, labels: c.labels)
                check(image.auroc, c.expected["image_auroc"], "\(tag) image AUROC")
                check(image.averagePrecision, c.expected["image_ap"], "\(tag) image AP")
                let pixel = try PixelMetrics.evaluate(maps: c.maps, masks: c.masks, imageCount: c.n, height: c.height, width: c.width)
                check(pixel.auroc, c.expected["pixel_auroc"], "\(tag) pixel AUROC")
                check(pixel.averagePrecision, c.expected["pixel_ap"], "\(tag) pixel AP")
                check(pixel.aupro, c.expected["pixel_aupro"], "\(tag) pixel AUPRO")
            }
        }
    }

    func testStreamingAPIMatchesReference() throws {
        for (url, cases) in try loadCases() {
            for c in cases {
                let tag = "\(url.lastPathComponent) \(c.name)"
                let plane = c.height * c.width
                var first = PixelRankingAccumulator()
                for i in 0..<c.n {
                    try first.add(map: Array(c.maps[i * plane..<(i + 1) * plane]), mask: Array(c.masks[i * plane..<(i + 1) * plane]),
                                  height: c.height, width: c.width)
                }
                let ranking = first.result()
                check(ranking.auroc, c.expected["pixel_auroc"], "\(tag) streaming pixel AUROC")
                check(ranking.averagePrecision, c.expected["pixel_ap"], "\(tag) streaming pixel AP")
                var second = PROAccumulator(thresholds: PROThresholds(range: first.range))
                for i in 0..<c.n {
                    try second.add(map: Array(c.maps[i * plane..<(i + 1) * plane]), mask: Array(c.masks[i * plane..<(i + 1) * plane]),
                                   height: c.height, width: c.width)
                }
                check(try second.curve().aupro(), c.expected["pixel_aupro"], "\(tag) streaming pixel AUPRO")
            }
        }
    }
}
