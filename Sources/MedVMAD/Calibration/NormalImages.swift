import Foundation

/// The normal images a calibration runs on: the `good` images of a BMAD split, or every PNG of a
/// plain folder (not recursive), in sorted order.
public struct NormalImages: Sendable, Equatable {
    public var paths: [String]
    /// The data in words with its path, e.g. "/data/brain/valid (good)"; recorded in provenance.
    public var description: String

    public init(paths: [String], description: String) {
        self.paths = paths
        self.description = description
    }

    /// `root/split` in BMAD layout when that folder exists, otherwise the PNGs directly in `root`.
    public static func find(root: String, split: String) throws -> NormalImages {
        let fm = FileManager.default
        // Absolute, so the provenance still says where the normals were when read elsewhere.
        let root = ((root.hasPrefix("/") ? root : (fm.currentDirectoryPath as NSString).appendingPathComponent(root)) as NSString).standardizingPath
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            throw MedVMADError.invalidData(path: root, reason: "normal images: no such folder")
        }
        let splitDir = (root as NSString).appendingPathComponent(split)
        if fm.fileExists(atPath: splitDir, isDirectory: &isDir), isDir.boolValue {
            let data = try BMADDataset.load(root: root, split: split, requireMasks: false)
            let paths = data.items.filter { $0.label == 0 }.map(\.imagePath)
            guard !paths.isEmpty else {
                throw MedVMADError.invalidData(path: splitDir, reason: "no normal ('good') images in this split")
            }
            return NormalImages(paths: paths, description: "\(splitDir) (good)")
        }
        let names = ((try? fm.contentsOfDirectory(atPath: root)) ?? [])
            .filter { $0.lowercased().hasSuffix(".png") && !$0.hasPrefix(".") }.sorted()
        guard !names.isEmpty else {
            throw MedVMADError.invalidData(path: root, reason: "no '\(split)' split folder and no PNG images to use as normals")
        }
        return NormalImages(paths: names.map { (root as NSString).appendingPathComponent($0) }, description: root)
    }
}
