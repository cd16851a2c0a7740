import Metrics
import XCTest

/// Undefined metrics come back as reasons, never NaN; bad input is a typed error naming the image.
final class UndefinedAndErrorTests: XCTestCase {
    func testMissingClassIsUndefined() throws {
        let allNormal = try RankingMetrics.evaluate(scores: [0.1, 0.4], labels: [false, false])
        XCTAssertEqual(allNormal.auroc, .undefined(.noAbnormal(.images)))
        XCTAssertEqual(allNormal.averagePrecision, .undefined(.noAbnormal(.images)))
        XCTAssertEqual(allNormal.auroc.description, "undefined: no abnormal images")
        XCTAssertEqual(try RankingMetrics.auroc(scores: [0.1], labels: [true]), .undefined(.noNormal(.images)))
        XCTAssertEqual(try RankingMetrics.auroc(scores: [], labels: []), .undefined(.noSamples(.images)))
        var empty = PixelRankingAccumulator()
        XCTAssertEqual(empty.result().auroc, .undefined(.noSamples(.pixels)))

        var normalOnly = PixelRankingAccumulator()
        try normalOnly.add(map: [0.1, 0.2, 0.3, 0.4], mask: [0, 0, 0, 0], height: 2, width: 2)
        XCTAssertEqual(normalOnly.result().auroc, .undefined(.noAbnormal(.pixels)))
        XCTAssertEqual(normalOnly.result().averagePrecision, .undefined(.noAbnormal(.pixels)))
    }

    func testAUPROUndefinedCases() throws {
        // No region in any mask.
        let noRegions = try PixelMetrics.evaluate(maps: [0.1, 0.2, 0.3, 0.4], masks: [0, 0, 0, 0], imageCount: 1, height: 2, width: 2)
        XCTAssertEqual(noRegions.aupro, .undefined(.noAnomalousRegions))
        XCTAssertEqual(try ExactPRO.aupro(maps: [0.1, 0.2], masks: [0, 0], imageCount: 1, height: 1, width: 2), .undefined(.noAnomalousRegions))
        // Constant maps: arange(min, max, 0) has no thresholds.
        let constant = try PixelMetrics.evaluate(maps: [0.5, 0.5, 0.5, 0.5], masks: [1, 0, 0, 0], imageCount: 1, height: 2, width: 2)
        XCTAssertEqual(constant.aupro, .undefined(.constantMaps))
        XCTAssertEqual(constant.auroc.value, 0.5)
        // Every pixel abnormal.
        let allAbnormal = try PixelMetrics.evaluate(maps: [0.1, 0.2], masks: [1, 1], imageCount: 1, height: 1, width: 2)
        XCTAssertEqual(allAbnormal.aupro, .undefined(.noNormal(.pixels)))
        XCTAssertEqual(allAbnormal.auroc, .undefined(.noNormal(.pixels)))
        // Perfect separation: no normal pixel is ever above a threshold (all lie at the minimum),
        // so every kept FPR is 0 and the min–max rescaling would divide 0 by 0.
        let perfect = try PixelMetrics.evaluate(maps: [1, 0, 0, 1], masks: [1, 0, 0, 1], imageCount: 1, height: 2, width: 2)
        XCTAssertEqual(perfect.aupro, .undefined(.flatFalsePositiveRate(0)))
        XCTAssertEqual(perfect.curve.auproDividedByMax(), .undefined(.flatFalsePositiveRate(0)))
        XCTAssertEqual(perfect.auroc.value, 1)
    }

    func testTooFewCurvePoints() throws {
        // Ten normals: one at the minimum 0, eight at 0.993 (between the last two thresholds
        // 0.99 and 0.995 of the grid over [0, 1]), one at the maximum 1. FPR is 0.9 up to
        // t = 0.99 and 0.1 only at t = 0.995: one kept point. The abnormal pixel sits at 0.5.
        let maps: [Float] = [0.5, 0, 1] + [Float](repeating: 0.993, count: 8)
        let masks: [UInt8] = [1] + [UInt8](repeating: 0, count: 10)
        let r = try PixelMetrics.evaluate(maps: maps, masks: masks, imageCount: 1, height: 1, width: 11)
        XCTAssertEqual(r.aupro, .undefined(.tooFewCurvePoints(kept: 1, fprLimit: 0.3)))
        XCTAssertEqual(r.curve.fpr.filter { $0 < 0.3 }.count, 1)
        XCTAssertEqual(r.curve.aupro(fprLimit: 0.05), .undefined(.tooFewCurvePoints(kept: 0, fprLimit: 0.05)))
    }

    func testSizeMismatchNamesTheImage() throws {
        var acc = PixelRankingAccumulator()
        try acc.add(map: [0, 1, 2, 3], mask: [0, 0, 1, 0], height: 2, width: 2)
        XCTAssertThrowsError(try acc.add(map: [0, 1, 2], mask: [0, 0, 1, 0], height: 2, width: 2)) { error in
            XCTAssertEqual(error as? MetricsError, .sizeMismatch(image: 1, height: 2, width: 2, mapCount: 3, maskCount: 4))
            XCTAssertTrue("\(error)".contains("image 1"), "\(error)")
        }
        // The failed image was not counted, and the next one is still image 1.
        XCTAssertEqual(acc.imageCount, 1)
        XCTAssertThrowsError(try acc.add(map: [0, 1, 2, 3], mask: [0, 2, 1, 0], height: 2, width: 2)) { error in
            XCTAssertEqual(error as? MetricsError, .nonBinaryMask(image: 1, position: 1, value: 2))
        }
        XCTAssertThrowsError(try acc.add(map: [0, .nan, 2, 3], mask: [0, 0, 1, 0], height: 2, width: 2)) { error in
            XCTAssertEqual(error as? MetricsError, .notANumber(image: 1, position: 1))
        }
        XCTAssertThrowsError(try acc.add(map: [], mask: [], height: 0, width: 2)) { error in
            XCTAssertEqual(error as? MetricsError, .invalidShape(image: 1, height: 0, width: 2))
        }
        XCTAssertEqual(acc.imageCount, 1)

        var pro = PROAccumulator(thresholds: PROThresholds(minimum: 0, maximum: 3))
        XCTAssertThrowsError(try pro.add(map: [0, 1], mask: [0, 0, 1, 0], height: 2, width: 2)) { error in
            XCTAssertEqual(error as? MetricsError, .sizeMismatch(image: 0, height: 2, width: 2, mapCount: 2, maskCount: 4))
        }
        XCTAssertThrowsError(try RankingMetrics.evaluate(scores: [0.1, 0.2], labels: [true])) { error in
            XCTAssertEqual(error as? MetricsError, .countMismatch(scores: 2, labels: 1))
        }
        XCTAssertThrowsError(try RankingMetrics.evaluate(scores: [0.1, .nan], labels: [true, false])) { error in
            XCTAssertEqual(error as? MetricsError, .notANumber(image: nil, position: 1))
        }
        XCTAssertThrowsError(try PixelMetrics.evaluate(maps: [0, 1, 2], masks: [0, 0, 1, 0], imageCount: 1, height: 2, width: 2)) { error in
            XCTAssertEqual(error as? MetricsError, .flatSizeMismatch(what: "maps", expected: 4, found: 3))
        }
    }

    func testSecondPassMustSeeTheFirstPassData() throws {
        var first = ScoreRange()
        try first.add(map: [0, 1, 2, 3])
        try first.add(map: [0, 0, 0, 0])
        var second = PROAccumulator(thresholds: PROThresholds(range: first))
        try second.add(map: [0, 1, 2, 3], mask: [0, 1, 0, 0], height: 2, width: 2)
        XCTAssertThrowsError(try second.add(map: [0, 4, 0, 0], mask: [0, 0, 0, 0], height: 2, width: 2)) { error in
            XCTAssertEqual(error as? MetricsError, .outsideFirstPassRange(image: 1, value: 4, minimum: 0, maximum: 3))
        }
        XCTAssertThrowsError(try second.curve()) { error in
            XCTAssertEqual(error as? MetricsError, .passImageCountMismatch(firstPass: 2, secondPass: 1))
        }
        XCTAssertThrowsError(try ExactPRO.aupro(maps: [0, 1], masks: [1, 0], imageCount: 1, height: 1, width: 2, fprLimit: 0)) { error in
            XCTAssertEqual(error as? MetricsError, .invalidFPRLimit(0))
        }
    }
}
