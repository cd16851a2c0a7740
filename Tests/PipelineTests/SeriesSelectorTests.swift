import Foundation
import Testing
@testable import Pipeline

@Suite struct SeriesSelectorTests {
    static let ct = SeriesCandidate(key: "dicom/1/2", kind: .dicom, files: ["/a"], outputName: "o", modality: "CT",
                                    seriesDescription: "Abdomen 2.0 Portal", imageType: ["ORIGINAL", "PRIMARY", "AXIAL"],
                                    orientation: .axial, numbers: ["SliceCount": 120, "SliceSpacing": 2, "Rows": 512])
    static let scout = SeriesCandidate(key: "dicom/1/3", kind: .dicom, files: ["/b"], outputName: "o", modality: "CT",
                                       seriesDescription: "Topogram", imageType: ["ORIGINAL", "PRIMARY", "LOCALIZER"],
                                       orientation: .coronal, numbers: ["SliceCount": 1, "Rows": 512])

    @Test func firstMatchingRuleNamesTheSelection() {
        let selector = SeriesSelector(SelectStage(rules: [
            SeriesRule(name: "thin", modality: ["CT"], conditions: [TagCondition(attribute: "SliceSpacing", op: .less, value: 1)]),
            SeriesRule(name: "portal", modality: ["CT", "MR"], seriesDescription: "(?i)portal", imageTypeContains: ["ORIGINAL"],
                       imageTypeExcludes: ["LOCALIZER"], orientation: .axial, minimumSlices: 50),
        ]))
        #expect(selector.select(Self.ct) == .selected(rule: "portal"))
    }

    @Test func noMatchIsExplicitWithAReasonPerRule() {
        let selector = SeriesSelector(SelectStage(rules: [
            SeriesRule(name: "axial", orientation: .axial),
            SeriesRule(name: "no-scouts", imageTypeExcludes: ["LOCALIZER"]),
            SeriesRule(name: "long", minimumSlices: 10),
            SeriesRule(name: "mr", modality: ["MR"]),
        ]))
        guard case .notSelected(let reasons) = selector.select(Self.scout) else {
            Issue.record("a scout must not be selected")
            return
        }
        #expect(reasons.count == 4)
        #expect(reasons[0].contains("coronal"))
        #expect(reasons[1].contains("LOCALIZER"))
        #expect(reasons[2].contains("1 slices"))
        #expect(reasons[3].contains("'CT'"))
    }

    @Test func everyOperatorCompares() {
        let pairs: [(TagCondition.Operator, Double, Bool)] = [
            (.greater, 2, false), (.greater, 1, true), (.greaterOrEqual, 2, true), (.less, 2, false), (.lessOrEqual, 2, true),
            (.equal, 2, true), (.notEqual, 2, false), (.notEqual, 3, true),
        ]
        for (op, value, expected) in pairs {
            let rule = SeriesRule(name: "r", conditions: [TagCondition(attribute: "SliceSpacing", op: op, value: value)])
            #expect((SeriesSelector(SelectStage(rules: [rule])).select(Self.ct).ruleName != nil) == expected, "\(op) \(value)")
        }
        // An attribute the series cannot know never matches.
        let unknown = SeriesRule(name: "r", conditions: [TagCondition(attribute: "PixelSpacing", op: .greater, value: 0)])
        #expect(SeriesSelector(SelectStage(rules: [unknown])).select(Self.ct).ruleName == nil)
    }

    @Test func conditionParsing() throws {
        #expect(try TagCondition.parse("SliceCount>=30").get() == TagCondition(attribute: "SliceCount", op: .greaterOrEqual, value: 30))
        #expect(try TagCondition.parse(" Rows != 512 ").get() == TagCondition(attribute: "Rows", op: .notEqual, value: 512))
        #expect((try? TagCondition.parse("PatientAge > 3").get()) == nil)
        #expect((try? TagCondition.parse("Rows > many").get()) == nil)
    }

    @Test func orientationFromDirectionCosines() {
        #expect(SeriesOrientation.classify(rowCosines: [1, 0, 0], columnCosines: [0, 1, 0]) == .axial)
        #expect(SeriesOrientation.classify(rowCosines: [1, 0, 0], columnCosines: [0, 0, -1]) == .coronal)
        #expect(SeriesOrientation.classify(rowCosines: [0, 1, 0], columnCosines: [0, 0, -1]) == .sagittal)
        // 45° between axial and coronal: no plane dominates.
        let c = 0.5.squareRoot()
        #expect(SeriesOrientation.classify(rowCosines: [1, 0, 0], columnCosines: [0, c, c]) == .oblique)
        // 20° tilt stays axial.
        let t = 20.0 * .pi / 180
        #expect(SeriesOrientation.classify(rowCosines: [1, 0, 0], columnCosines: [0, cos(t), sin(t)]) == .axial)
    }

    @Test func globs() throws {
        let nested = try #require(GlobPattern("**/*.nii.gz"))
        #expect(nested.matches("a/b/c.nii.gz") && nested.matches("c.nii.gz") && !nested.matches("c.nii"))
        let name = try #require(GlobPattern("IM_*"))
        #expect(name.matches("study/IM_0001") && !name.matches("study/XIM_0001"))
        let rooted = try #require(GlobPattern("ct/*.dcm"))
        #expect(rooted.matches("ct/1.dcm") && !rooted.matches("mr/ct/1.dcm") && !rooted.matches("ct/a/1.dcm"))
    }
}
