import Foundation
import Tensor

/// Finds reference fixture sets the way the fixtures README prescribes.
///
/// Searched roots: `$MEDVMAD_FIXTURES_DIR` alone when set; otherwise the project's own copy
/// (`Tests/Fixtures`, copied from the shared fixtures) and `../shared/fixtures` when it exists.
public enum Fixtures {
    /// The project root (the folder holding Package.swift), found from this source file.
    public static let projectRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// Directories searched for fixtures.
    public static var roots: [URL] {
        if let dir = ProcessInfo.processInfo.environment["MEDVMAD_FIXTURES_DIR"], !dir.isEmpty {
            return [URL(fileURLWithPath: dir)]
        }
        var out = [projectRoot.appendingPathComponent("Tests/Fixtures")]
        let shared = projectRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
        if FileManager.default.fileExists(atPath: shared.path) { out.append(shared) }
        return out
    }

    /// Every file named `name` below the roots (walking all subdirectories), sorted by path.
    public static func files(named name: String) -> [URL] {
        var found: [URL] = []
        for root in roots {
            guard let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in e where url.lastPathComponent == name { found.append(url.standardizedFileURL) }
        }
        return found.sorted { $0.path < $1.path }
    }

    /// Every file whose name matches `predicate`, below the roots.
    public static func files(where predicate: (String) -> Bool) -> [URL] {
        var found: [URL] = []
        for root in roots {
            guard let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in e where predicate(url.lastPathComponent) { found.append(url.standardizedFileURL) }
        }
        return found.sorted { $0.path < $1.path }
    }

    /// CLIP fixture sets: directories holding config.json, model.safetensors and reference.safetensors.
    public static var clipSets: [URL] {
        files(named: "reference.safetensors").map { $0.deletingLastPathComponent() }.filter { dir in
            ["config.json", "model.safetensors"].allSatisfy {
                FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).path)
            }
        }
    }
}

/// The result of comparing two float arrays element-wise.
public struct Mismatch: CustomStringConvertible {
    public let index: [Int]
    public let actual: Float
    public let expected: Float
    public let maxAbsError: Float
    public var description: String {
        "worst at index \(index): got \(actual), expected \(expected) (max |error| \(maxAbsError))"
    }
}

public enum Compare {
    /// Decodes a flat index into its coordinates in `shape`.
    public static func unravel(_ flat: Int, _ shape: [Int]) -> [Int] {
        var idx = [Int](repeating: 0, count: shape.count)
        var r = flat
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
            idx[d] = r % shape[d]
            r /= shape[d]
        }
        return idx
    }

    /// Checks |a − e| ≤ atol + rtol·|e| everywhere; returns the worst violation, or nil when all pass.
    public static func allClose(_ actual: [Float], _ expected: [Float], shape: [Int], atol: Float, rtol: Float) -> Mismatch? {
        precondition(actual.count == expected.count, "compared arrays differ in size: \(actual.count) vs \(expected.count)")
        var worst = -1
        var worstExcess: Float = 0
        var maxErr: Float = 0
        for i in 0..<actual.count {
            let err = abs(actual[i] - expected[i])
            maxErr = max(maxErr, err.isNaN ? .infinity : err)
            let excess = err - (atol + rtol * abs(expected[i]))
            if excess > worstExcess || err.isNaN { worst = i; worstExcess = err.isNaN ? .infinity : excess }
        }
        if worst < 0 { return nil }
        return Mismatch(index: unravel(worst, shape), actual: actual[worst], expected: expected[worst], maxAbsError: maxErr)
    }

    /// Largest absolute difference.
    public static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
}
