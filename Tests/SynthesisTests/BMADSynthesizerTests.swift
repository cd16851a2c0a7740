import FixtureSupport
import MedIO
import Foundation
import Raster
import XCTest
@testable import Synthesis

final class BMADSynthesizerTests: XCTestCase {
    let options = BMADSynthesisOptions(seed: 11, train: 12, valid: 6, test: 6)

    func synthesizer(_ options: BMADSynthesisOptions) throws -> BMADSynthesizer {
        try BMADSynthesizer(source: BrainFixture.source.get(), options: options)
    }

    func testSameSeedSameImagesOtherSeedOtherLesions() throws {
        let a = try synthesizer(options).renderAll()
        let b = try synthesizer(options).renderAll()
        XCTAssertEqual(a.map(\.sample), b.map(\.sample))
        XCTAssertEqual(a.map(\.grey), b.map(\.grey))
        XCTAssertEqual(a.map(\.mask), b.map(\.mask))
        var other = options
        other.seed = 12
        let c = try synthesizer(other).renderAll()
        XCTAssertNotEqual(a.compactMap(\.mask), c.compactMap(\.mask))
    }

    /// Lesions change the image inside the brain only, every mask pixel is brighter than the lesion-free
    /// slice, changes outside the mask stay within a lesion's reach, and normal images are the slice itself.
    func testMasksAreExactAndInsideTheBrain() throws {
        let rendered = try synthesizer(options).renderAll()
        XCTAssertEqual(rendered.count, 24)
        for r in rendered {
            let name = "\(r.sample.split)/\(r.sample.className)/\(r.sample.fileName)"
            let base = r.base
            guard let mask = r.mask else {
                XCTAssertEqual(r.sample.className, "good", name)
                XCTAssertEqual(r.grey, base.grey, "\(name): a normal image differs from its slice")
                continue
            }
            XCTAssertEqual(r.sample.className, "Ungood", name)
            XCTAssertFalse(r.sample.lesions.isEmpty, name)
            let n = base.size
            var maskCount = 0
            for i in 0..<(n * n) {
                let changed = r.grey[i] != base.grey[i]
                if mask[i] != 0 {
                    maskCount += 1
                    XCTAssertEqual(base.brain[i], 1, "\(name): mask pixel \(i) outside the brain")
                    XCTAssertGreaterThan(r.grey[i], base.grey[i], "\(name): mask pixel \(i) not brighter")
                } else if changed {
                    XCTAssertEqual(base.brain[i], 1, "\(name): pixel \(i) changed outside the brain")
                    let (x, y) = (Double(i % n), Double(i / n))
                    let near = r.sample.lesions.contains { l in
                        ((x - l.centerX) * (x - l.centerX) + (y - l.centerY) * (y - l.centerY)).squareRoot() <= l.reach
                    }
                    XCTAssertTrue(near, "\(name): pixel \(i) changed away from every lesion")
                }
                XCTAssertTrue(mask[i] == 0 || mask[i] == 255, name)
            }
            XCTAssertEqual(maskCount, r.sample.maskPixels, name)
            XCTAssertGreaterThan(maskCount, 0, "\(name): empty mask")
        }
    }

    func testSplitsShareNoSliceAndKeepAGap() throws {
        let s = try synthesizer(options)
        let positions = try s.splitPositions()
        let splits = BMADSynthesizer.splits
        for (i, a) in splits.enumerated() {
            for b in splits[(i + 1)...] {
                for p in positions[a] ?? [] {
                    for q in positions[b] ?? [] {
                        // One slice dropped on each side of a boundary: different splits are ≥ 3 positions apart.
                        XCTAssertGreaterThanOrEqual(abs(p - q), 3, "\(a) position \(p) next to \(b) position \(q)")
                    }
                }
            }
        }
        let rendered = try s.renderAll()
        var sliceSplit: [Int: String] = [:]
        for r in rendered {
            if let seen = sliceSplit[r.sample.slice] { XCTAssertEqual(seen, r.sample.split, "slice \(r.sample.slice)") }
            sliceSplit[r.sample.slice] = r.sample.split
        }
    }

    func testWrittenLayoutIsReadableBMAD() throws {
        let dir = try BrainFixture.temporaryFolder("bmad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var o = options
        o.colorMode = .bone
        let samples = try synthesizer(o).write(to: dir, command: "test")
        try BMADLayoutCheck.check(root: dir, volumeName: "ch2bet", size: 120, expectedImages: samples.count, channels: 3)
        XCTAssertThrowsError(try synthesizer(o).write(to: dir, command: "test"), "a non-empty folder must be refused")
        XCTAssertNoThrow(try synthesizer(o).write(to: dir, replace: true, command: "test"))
    }

    /// The committed set: layout, sizes, names, split disjointness, and a README that says the lesions are synthetic.
    func testCommittedSampleSet() throws {
        let root = Fixtures.projectRoot.appendingPathComponent("sample-data/bmad-synthetic").path
        try BMADLayoutCheck.check(root: root, volumeName: "ch2bet", size: 240, expectedImages: 96, channels: 1)
        let readme = try String(contentsOfFile: "\(root)/README.md", encoding: .utf8)
        XCTAssertTrue(readme.contains("SYNTHETIC LESIONS"))
        XCTAssertTrue(readme.contains("medvmad sample-data bmad --volume sample-data/brain-mri/ch2bet.nii.gz"))
    }

    func testInvalidOptionsAreRefused() throws {
        var o = options
        o.abnormalFraction = 1.5
        XCTAssertThrowsError(try synthesizer(o))
        o = options
        o.train = 0; o.valid = 0; o.test = 0
        XCTAssertThrowsError(try synthesizer(o))
        XCTAssertThrowsError(try BrainSliceSource(path: "/nonexistent/brain.nii.gz")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/brain.nii.gz"))
        }
    }
}

/// Checks a BMAD-layout folder from disk alone.
enum BMADLayoutCheck {
    static func check(root: String, volumeName: String, size: Int, expectedImages: Int, channels: Int) throws {
        let fm = FileManager.default
        var total = 0
        var sliceSplit: [Int: String] = [:]
        let pattern = try NSRegularExpression(pattern: "^\(volumeName)_([0-9]+)(_[0-9]+)?\\.png$")
        for split in BMADSynthesizer.splits {
            for cls in ["good", "Ungood"] {
                let imgDir = "\(root)/\(split)/\(cls)/img"
                let names = try fm.contentsOfDirectory(atPath: imgDir).sorted()
                XCTAssertFalse(names.isEmpty, imgDir)
                if cls == "Ungood" {
                    let masks = try fm.contentsOfDirectory(atPath: "\(root)/\(split)/\(cls)/anomaly_mask").sorted()
                    XCTAssertEqual(names, masks, "\(split): image and mask names differ")
                } else {
                    XCTAssertFalse(fm.fileExists(atPath: "\(root)/\(split)/\(cls)/anomaly_mask"), "normal images have no masks")
                }
                for name in names {
                    total += 1
                    let range = NSRange(name.startIndex..., in: name)
                    guard let m = pattern.firstMatch(in: name, range: range), let r = Range(m.range(at: 1), in: name) else {
                        XCTFail("\(imgDir)/\(name): name is not <volume>_<slice>[_<variant>].png")
                        continue
                    }
                    let slice = Int(name[r])!
                    if let seen = sliceSplit[slice] { XCTAssertEqual(seen, split, "slice \(slice) in two splits") }
                    sliceSplit[slice] = split
                    let image = try PNGFile.read("\(imgDir)/\(name)")
                    XCTAssertEqual([image.width, image.height, image.channels], [size, size, channels], name)
                    if cls == "Ungood" {
                        let mask = try PNGFile.read("\(root)/\(split)/\(cls)/anomaly_mask/\(name)")
                        XCTAssertEqual([mask.width, mask.height, mask.channels], [size, size, 1], name)
                        XCTAssertTrue(mask.pixels.allSatisfy { $0 == 0 || $0 == 255 }, "\(name): mask not binary")
                        XCTAssertTrue(mask.pixels.contains(255), "\(name): empty mask")
                    }
                }
            }
        }
        XCTAssertEqual(total, expectedImages)
    }
}

/// Regenerates both committed synthetic sets and compares them byte for byte with the committed files.
/// Takes about half a minute in a debug build, so it runs only with MEDVMAD_CHECK_SAMPLE_DATA=1.
final class CommittedSampleDataReproducibilityTests: XCTestCase {
    func testCommittedSetsAreReproducible() throws {
        guard ProcessInfo.processInfo.environment["MEDVMAD_CHECK_SAMPLE_DATA"] == "1" else {
            throw XCTSkip("set MEDVMAD_CHECK_SAMPLE_DATA=1 to regenerate and compare the committed sample data")
        }
        let root = Fixtures.projectRoot.appendingPathComponent("sample-data").path
        let dir = try BrainFixture.temporaryFolder("reproduce")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = try BrainSliceSource(path: BrainFixture.path)
        try BMADSynthesizer(source: source).write(to: "\(dir)/bmad", command: "test")
        try BreastTomosynthesisSample.write(options: BreastPhantomOptions(frames: 30), to: "\(dir)/dbt", command: "test")
        let fm = FileManager.default
        for (made, committed) in [("\(dir)/bmad", "\(root)/bmad-synthetic"), ("\(dir)/dbt", "\(root)/dbt-synthetic")] {
            let files = try XCTUnwrap(fm.enumerator(atPath: made)).compactMap { $0 as? String }
                .filter { !$0.hasSuffix("README.md") && $0.contains(".") }
            XCTAssertGreaterThanOrEqual(files.count, 4)  // DBT: object, mask, two previews; BMAD: many more
            for file in files {
                XCTAssertEqual(fm.contents(atPath: "\(made)/\(file)"), fm.contents(atPath: "\(committed)/\(file)"), "\(committed)/\(file)")
            }
        }
    }
}

final class BMADSynthesizerScalingTests: XCTestCase {
    /// More images than slices: slices are reused as variants, names stay unique, normal images all differ.
    func testLargeSplitsReuseSlicesAsDistinctVariants() throws {
        let s = try BMADSynthesizer(source: BrainFixture.source.get(), options: .init(seed: 3, train: 200, valid: 40, test: 40))
        let positions = try s.splitPositions()
        let rendered = (0..<20).map { try? s.render(split: "valid", className: "good", number: $0, positions: positions) }
        let images = rendered.compactMap { $0 }
        XCTAssertEqual(images.count, 20)
        XCTAssertEqual(Set(images.map(\.sample.fileName)).count, 20, "file names must be unique within a class folder")
        XCTAssertGreaterThan(images.map(\.sample.variant).max() ?? 0, 1, "the small valid split should need variants ≥ 2")
        XCTAssertEqual(Set(images.map(\.grey)).count, 20, "two normal images are identical")
    }

    func testTooFewSlicesIsAClearError() throws {
        let n = 48
        var voxels = [Float](repeating: 0, count: n * n * 4)
        for z in 0..<4 { for y in 8..<40 { for x in 8..<40 { voxels[(z * n + y) * n + x] = Float(50 + x + y) } } }
        let volume = Volume(size: [n, n, 4], voxels: voxels, spacing: [1, 1, 1],
                            indexToPatient: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], modality: "MR",
                            source: .nifti(NiftiReference(path: "tiny.nii", rasAffine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
                                                          qformCode: 1, sformCode: 1)))
        let source = try BrainSliceSource(volume: volume, path: "tiny.nii", options: .init(size: 64))
        XCTAssertEqual(source.slices.count, 4)
        XCTAssertThrowsError(try BMADSynthesizer(source: source).splitPositions()) { error in
            guard case let SynthesisError.notEnoughSlices(path, usable, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, "tiny.nii")
            XCTAssertEqual(usable, 4)
        }
    }
}
